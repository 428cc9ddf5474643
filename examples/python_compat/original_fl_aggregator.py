"""An AggregationServer of the original Python lib's shape, without the sedna package.

As lib/sedna/service/server/aggregation.py: FastAPI on uvicorn at AGG_BIND_IP (default: this host's outward
address) : AGG_BIND_PORT (default 7363). The websocket route /<aggregation>: a `subscribe` sends
`{"type": "CLIENT_JOIN", "data": id}` to the workers already there, adds the worker and echoes the message to
everyone (the new worker takes the echo as its acknowledgement); an `update_weight` is kept until
PARTICIPANTS_COUNT workers have sent one, then FedAvg (weighted by num_samples) goes to every worker as the last
message with `type` "recv_weight", `round_number` and `data` {total_sample, round_number, weights, exit_flag}
("ok" after `exit_round` rounds). `GET /<aggregation>` answers `{"clients": [...]}`. It exits once the last round
is out and every worker has left, as the original's server did.
"""
import threading
import time

import numpy as np
import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from original_common import get_host_ip, get_parameters


class Aggregator:
    def __init__(self, exit_round, participants_count):
        self.exit_round = exit_round
        self.participants_count = participants_count
        self.current_round = 0
        self.clients = {}
        self.info = {}

    def fed_avg(self, updates):
        total = sum(n for n, _ in updates)
        first = updates[0][1]
        result = []
        for index, layer in enumerate(first):
            row = np.zeros(np.array(layer).shape)
            for n, weights in updates:
                row += np.array(weights[index]) * n / total
            result.append(row.tolist())
        return total, result

    async def send_message(self, client_id, msg):
        data = msg.get("data")
        if data and msg.get("type", "") == "update_weight":
            self.info[client_id] = (int(data["num_samples"]), data["weights"])
            if len(self.info) < self.participants_count:
                return
            self.current_round += 1
            total, weights = self.fed_avg(list(self.info.values()))
            exit_flag = "ok" if self.current_round >= self.exit_round else "continue"
            msg["type"] = "recv_weight"
            msg["round_number"] = self.current_round
            msg["data"] = {"total_sample": total, "round_number": self.current_round, "weights": weights, "exit_flag": exit_flag}
            self.info = {}
            print(f"round {self.current_round} aggregated from {total} samples ({exit_flag})", flush=True)
        for websocket in list(self.clients.values()):
            try:
                await websocket.send_json(msg)
            except Exception as err:
                print(err, flush=True)


def main():
    aggregation = get_parameters("aggregation", "FedAvg")
    host = get_parameters("AGG_BIND_IP", get_host_ip())
    port = int(get_parameters("AGG_BIND_PORT", 7363))
    server = Aggregator(max(int(get_parameters("exit_round", 3)), 1), int(get_parameters("participants_count", 1)))
    app = FastAPI()

    @app.get(f"/{aggregation}")
    async def client_info():
        return {"clients": list(server.clients)}

    @app.websocket(f"/{aggregation}")
    async def endpoint(websocket: WebSocket):
        await websocket.accept()
        client_id = None
        try:
            while True:
                msg = await websocket.receive_json()
                if msg.get("type", "") == "subscribe":
                    client_id = msg.get("client_id", "")
                    for other in list(server.clients.values()):
                        await other.send_json({"type": "CLIENT_JOIN", "data": client_id})
                    server.clients[client_id] = websocket
                await server.send_message(client_id, msg)
        except WebSocketDisconnect:
            pass
        finally:
            if client_id is not None:
                server.clients.pop(client_id, None)

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", ws_max_size=10 * 1024 * 1024)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    print(f"Start {aggregation} server over http://{host}:{port}", flush=True)
    while True:  # BaseServer.wait_stop: the job is done when the last round is out and the workers are gone
        time.sleep(0.5)
        if server.current_round >= server.exit_round and not server.clients:
            uv.should_exit = True
            thread.join()
            print("all rounds done and every worker gone; exiting", flush=True)
            return


if __name__ == "__main__":
    main()
