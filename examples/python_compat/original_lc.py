"""The report endpoint of the original local controller (Go: pkg/localcontroller/server/server.go), in Python.

`POST /sedna/workers/{worker-name}/info` decodes the body into the original's MessageContent
(pkg/localcontroller/worker/worker.go) as Go's encoding/json does: name, namespace, ownerName, ownerKind, kind
and status must be strings, ownerInfo an object, results a list of objects (null or absent for any of them is the
zero value; unknown fields are ignored; a wrong type is a decode error). A decode error or a name that differs from
the path answers 400; otherwise the message goes to the manager registered for its ownerKind (silently nowhere
for other kinds, as the original) and the answer is `{"Status": 200, "Message": "OK"}`. Every decoded message is
appended to RECORD_FILE as a JSON line with `dispatched` (whether a manager of the original took it).

Listens on 127.0.0.1:PORT.
"""
import json
import os

import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

STRINGS = ["name", "namespace", "ownerName", "ownerKind", "kind", "status"]
MANAGERS = {"dataset", "jointinferenceservice", "federatedlearningjob", "incrementallearningjob", "lifelonglearningjob", "objectsearchservice", "objecttrackingservice", "reidjob", "videoanalyticsjob", "featureextractionservice"}


def decode(body):
    if not isinstance(body, dict):
        raise ValueError("json: cannot unmarshal into Go value of type worker.MessageContent")
    message = {}
    for field in STRINGS:
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"json: cannot unmarshal {type(value).__name__} into Go struct field MessageContent.{field} of type string")
        message[field] = value or ""
    info = body.get("ownerInfo")
    if info is not None and not isinstance(info, dict):
        raise ValueError("json: cannot unmarshal into Go struct field MessageContent.ownerInfo of type map[string]interface {}")
    message["ownerInfo"] = info
    results = body.get("results")
    if results is not None and not (isinstance(results, list) and all(isinstance(r, dict) for r in results)):
        raise ValueError("json: cannot unmarshal into Go struct field MessageContent.results of type []map[string]interface {}")
    message["results"] = results
    return message


def main():
    app = FastAPI()
    record_file = os.environ["RECORD_FILE"]

    @app.post("/sedna/workers/{worker_name}/info")
    async def message_handler(worker_name: str, request: Request):
        try:
            message = decode(json.loads(await request.body()))
        except ValueError as err:
            return JSONResponse(status_code=400, content={"Status": 400, "Message": f"read worker(name={worker_name}) message body failed, error: {err}"})
        if message["name"] != worker_name:
            return JSONResponse(status_code=400, content={"Status": 400, "Message": f"worker name(name={worker_name}) in the api is different from that(name={message['name']}) in the message body"})
        with open(record_file, "a") as out:
            out.write(json.dumps({**message, "dispatched": message["ownerKind"] in MANAGERS}) + "\n")
        return {"Status": 200, "Message": "OK"}

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")


if __name__ == "__main__":
    main()
