"""A BigModelService of the original Python lib's shape, without the sedna package.

As lib/sedna/core/joint_inference/joint_inference.py and lib/sedna/service/server/inference.py: it binds
BIG_MODEL_BIND_IP (default: this host's outward address) : BIG_MODEL_BIND_PORT (default 5000) with uvicorn and
FastAPI, `GET /<JOB_NAME>` answers `{"infos": [{path, name}, ...]}` and `POST /<JOB_NAME>/predict` takes
`{"data": List, "callback": Optional[str]}` and answers `{"result": estimator.predict(data)}`.

The big model answers a softmax of the sample times 3 (one sample in, its output out, as an estimator would).
"""
import os
from typing import List, Optional

import numpy as np
import uvicorn
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import JSONResponse

from original_common import get_host_ip, get_parameters


class ServeModelInfoResult(BaseModel):
    infos: List


class ServePredictResult(BaseModel):
    result: List


class InferenceItem(BaseModel):
    data: List
    callback: Optional[str] = None


def big_model(data):
    x = np.array(data, dtype=float) * 3
    e = np.exp(x - np.max(x))
    return (e / e.sum()).tolist()


def main():
    job_name = os.getenv("JOB_NAME", "sedna") or os.getenv("SERVICE_NAME", "")
    host = get_parameters("BIG_MODEL_BIND_IP", get_host_ip())
    port = int(get_parameters("BIG_MODEL_BIND_PORT", "5000"))
    app = None

    def model_info():
        return ServeModelInfoResult(infos=[{"path": route.path, "name": route.name} for route in app.routes])

    def predict(data: InferenceItem):
        return ServePredictResult(result=big_model(data.data))

    app = FastAPI(
        routes=[
            APIRoute(f"/{job_name}", model_info, response_model=ServeModelInfoResult, response_class=JSONResponse, methods=["GET"]),
            APIRoute(f"/{job_name}/predict", predict, response_model=ServePredictResult, response_class=JSONResponse, methods=["POST"]),
        ],
    )
    print(f"Start {job_name} server over http://{host}:{port}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
