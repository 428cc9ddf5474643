"""A JointInference edge worker of the original Python lib's shape, without the sedna package.

What it does is what lib/sedna/core/joint_inference/joint_inference.py and lib/sedna/service/client.py do, message
for message: the settings from the original's environment variables, an LCReporter thread that POSTs
`{name, namespace, ownerName, ownerKind: "jointinferenceservice", kind: "inference", results: [], ownerInfo}` (no
`status`) to LC_SERVER every LC_PERIOD seconds in which something was inferred, and ModelClient.inference:
`POST http://BIG_MODEL_IP:BIG_MODEL_PORT/<JOB_NAME>/predict` with `{"data": x.tolist(), "post_process": None}`,
reading `["result"]` of the answer. The original retried every request 5 times, 3 s apart (tenacity), on any
non-200 answer; so does this one.

The little model is a fixed softmax over a 4-value sample; a sample is hard when its top probability is below
HEM's threshold_img (the original's IBT-like check). RESULT_FILE gets one JSON line per sample.
"""
import json
import os
import threading
import time

import numpy as np
import requests

from original_common import get_host_ip, get_parameters, http_request


class LCReporter(threading.Thread):
    def __init__(self, lc_server, message, period_interval=30):
        threading.Thread.__init__(self, daemon=True)
        self.inference_number = 0
        self.hard_example_number = 0
        self.period_interval = period_interval
        self.lc_server = lc_server
        self.period_increment = 0
        self.message = message
        self.lock = threading.Lock()

    def update_for_edge_inference(self):
        with self.lock:
            self.inference_number += 1
            self.period_increment += 1

    def update_for_collaboration_inference(self):
        with self.lock:
            self.inference_number += 1
            self.hard_example_number += 1
            self.period_increment += 1

    def run(self):
        while True:
            start = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
            time.sleep(self.period_interval)
            if self.period_increment == 0:
                continue
            info = {
                "startTime": start,
                "updateTime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime()),
                "inferenceNumber": self.inference_number,
                "hardExampleNumber": self.hard_example_number,
                "uploadCloudRatio": (self.hard_example_number / self.inference_number),
            }
            self.message["ownerInfo"] = info
            url = "{0}/sedna/workers/{1}/info".format(self.lc_server, self.message["name"])
            answer = http_request(url=url, method="POST", json=self.message)
            print(f"reported {info['inferenceNumber']} inferences to the LC: {answer}", flush=True)
            self.period_increment = 0


def little_model(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def main():
    job_name = os.getenv("JOB_NAME", "sedna") or os.getenv("SERVICE_NAME", "")
    worker_name = os.getenv("WORKER_NAME", "") or job_name
    namespace = os.getenv("NAMESPACE", "")
    lc_server = os.getenv("LC_SERVER", "http://127.0.0.1:9100")
    remote_ip = get_parameters("BIG_MODEL_IP", get_host_ip())
    port = int(get_parameters("BIG_MODEL_PORT", "5000"))
    report_msg = {
        "name": worker_name,
        "namespace": namespace,
        "ownerName": job_name,
        "ownerKind": "jointinferenceservice",
        "kind": "inference",
        "results": [],
    }
    reporter = LCReporter(lc_server=lc_server, message=report_msg, period_interval=int(get_parameters("LC_PERIOD", "30")))
    reporter.start()

    hem = json.loads(get_parameters("HEM_PARAMETERS", "[]"))
    threshold = float({p["key"]: p.get("value", "") for p in hem if "key" in p}.get("threshold_img", "0.5"))
    endpoint = f"http://{remote_ip}:{port}/{job_name}"
    # ModelClient.check_server_status (GET /<job>), until the cloud worker is up: the test wants every hard sample
    # answered, where the original would just have gone without the cloud's answer for the first ones.
    for _ in range(120):
        try:
            if requests.get(endpoint, timeout=2).status_code == 200:
                break
        except requests.exceptions.RequestException:
            pass
        time.sleep(0.5)
    count = int(get_parameters("SAMPLES", "10"))
    result_file = get_parameters("RESULT_FILE")
    rng = np.random.default_rng(7)
    with open(result_file, "a") as out:
        for i in range(count):
            # Every other sample is flat (hard), the others have a clear winner (easy).
            x = rng.normal(size=4) * (0.01 if i % 2 == 0 else 5.0)
            res = little_model(x)
            is_hard = float(np.max(res)) < threshold
            answer = None
            if is_hard:
                cloud = http_request(url=f"{endpoint}/predict", method="POST", json={"data": x.tolist(), "post_process": None})
                answer = cloud["result"] if cloud else None
                reporter.update_for_collaboration_inference()
            else:
                reporter.update_for_edge_inference()
            out.write(json.dumps({"sample": i, "hard": is_hard, "cloud": answer}) + "\n")
            out.flush()
    print(f"inferred {count} samples", flush=True)
    while True:  # an inference worker serves on; the reporter sends what is left
        time.sleep(3600)


if __name__ == "__main__":
    main()
