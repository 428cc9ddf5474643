"""A FederatedLearning training worker of the original Python lib's shape, without the sedna package.

As lib/sedna/core/federated_learning/federated_learning.py, lib/sedna/service/client.py (AggregationClient) and
lib/sedna/core/base.py (JobBase.report_task_info): it connects to ws://AGG_IP:AGG_PORT/<aggregation>, sends
`{"type": "subscribe", "client_id": WORKER_NAME}` and takes the next message as the acknowledgement, creates the
MODEL_URL folder (FileOps.clean_folder), then each round trains, sends
`{"type": "update_weight", "client", "data": {"num_samples", "weights": [nested lists]}, "job_name"}`, skips
messages until a `recv_weight`, takes `data.weights`, saves the model into the MODEL_URL folder under MODEL_NAME
and reports to LC_SERVER with ownerKind "default" (the original never set its job kind), kind "train", status
running (or completed with exit_flag "ok"), results from model_info and ownerInfo {currentRound, sampleCount,
startTime, updateTime}. Reports are retried as http_request did (5 attempts, 3 s apart).

The model is a linear regression y = x.w + b trained by a few steps of gradient descent on DATA_FILE (one line per
sample: 3 features and a target, comma separated).
"""
import asyncio
import json
import os
import time

import numpy as np
import websockets

from original_common import get_parameters, http_request


class Worker:
    def __init__(self):
        self.job_name = os.getenv("JOB_NAME", "sedna")
        self.worker_name = os.getenv("WORKER_NAME", "") or self.job_name
        self.namespace = os.getenv("NAMESPACE", "") or self.job_name
        self.lc_server = os.getenv("LC_SERVER", "http://127.0.0.1:9100")
        self.model_url = os.getenv("MODEL_URL")
        self.model_name = os.getenv("MODEL_NAME") or "model.pkl"
        protocol = get_parameters("AGG_PROTOCOL", "ws")
        self.uri = f"{protocol}://{get_parameters('AGG_IP', '127.0.0.1')}:{int(get_parameters('AGG_PORT', '7363'))}/{get_parameters('aggregation', 'FedAvg')}"
        data = np.loadtxt(get_parameters("DATA_FILE"), delimiter=",", ndmin=2)
        self.x, self.y = data[:, :3], data[:, 3]
        self.weights = [np.zeros(3), np.zeros(1)]

    def report_task_info(self, task_info, status, results=None, kind="train"):
        message = {"name": self.worker_name, "namespace": self.namespace, "ownerName": self.job_name, "ownerKind": "default", "kind": kind, "status": status}
        if results:
            message["results"] = results
        if task_info:
            message["ownerInfo"] = task_info
        answer = http_request(url=f"{self.lc_server}/sedna/workers/{self.worker_name}/info", method="POST", json=message)
        print(f"reported {status} to the LC: {answer}", flush=True)

    def train(self):
        w, b = self.weights
        for _ in range(20):
            err = self.x @ w + b[0] - self.y
            w = w - 0.1 * (self.x.T @ err) / len(self.y)
            b = b - 0.1 * np.array([err.mean()])
        self.weights = [w, b]
        return {"mse": float(np.mean((self.x @ w + b[0] - self.y) ** 2))}

    def save(self):
        path = os.path.join(self.model_url, self.model_name)
        with open(path, "w") as out:
            json.dump([t.tolist() for t in self.weights], out)
        return path

    async def run(self):
        ws = None
        for _ in range(100):  # AggregationClient.connect: retried while the aggregator is not there yet
            try:
                ws = await websockets.connect(self.uri, max_size=16 * 1024 * 1024)
                break
            except (OSError, websockets.exceptions.WebSocketException) as err:
                print(f"{self.uri} connection failed - with {err}", flush=True)
                await asyncio.sleep(0.5)
        await ws.send(json.dumps({"type": "subscribe", "client_id": self.worker_name}))
        await ws.recv()
        os.makedirs(self.model_url, exist_ok=True)  # FileOps.clean_folder([model_url], clean=False)
        round_number = 0
        flag = True
        while True:
            if flag:
                round_number += 1
                start = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
                res = self.train()
                send = {"num_samples": len(self.y), "weights": [t.tolist() for t in self.weights]}
                await ws.send(json.dumps({"type": "update_weight", "client": self.worker_name, "data": send, "job_name": self.job_name}))
            received = json.loads(await ws.recv())
            if not (isinstance(received, dict) and received.get("type", "") == "recv_weight"):
                flag = False
                continue
            flag = True
            data = received.get("data", {})
            exit_flag = data.get("exit_flag", "")
            total = int(data.get("total_sample"))
            self.weights = [np.array(t, dtype=float) for t in data.get("weights")]
            task_info = {"currentRound": round_number, "sampleCount": total, "startTime": start, "updateTime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())}
            path = self.save()
            results = [{"format": "pkl", "url": path, "metrics": res}]
            if exit_flag == "ok":
                self.report_task_info(task_info, "completed", results)
                print(f"exit training from [{self.worker_name}] after round {data.get('round_number')}", flush=True)
                await ws.close()
                return
            self.report_task_info(task_info, "running", results)


if __name__ == "__main__":
    asyncio.get_event_loop().run_until_complete(Worker().run())
