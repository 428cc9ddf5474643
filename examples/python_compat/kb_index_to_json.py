"""Converts the original Sedna lib's knowledge base index (a joblib pickle, index.pkl or the file its
KBClient.update_db uploads) into the JSON index this project's knowledge base takes ("sedna-kb-index/v1", see
packages/lib/src/core/lifelong_learning/kb-index.ts).

Run it with your own Python, the one that has the original `sedna` package (and joblib) installed: the pickle
holds objects of its classes (Task, TaskGroup, Model) and only that package can rebuild them. Unpickling runs code
from the file, so convert only indexes you wrote yourself.

    python3 kb_index_to_json.py index.pkl index.json
    curl -F task=@index.json http://<kb>:9020/knowledgebase/update      # then upload it, as update_db would

What carries over: every seen and unseen task group with its tasks (entry, meta_attr, the sample set's type, URL
and size), its model's URL and numeric metrics, and the index's create_time. What does not: the task attribute
extractor (a pickled Python model; this project's extractors are declared, see artifacts.ts): it is left null and
a line says so. A sample set without a URL (the original assigns one when it uploads the samples) is an error.
"""
import argparse
import datetime
import json
import os
import sys
import time


def load(path):
    try:
        import joblib
        return joblib.load(path)
    except ImportError:
        import pickle
        with open(path, "rb") as fin:
            return pickle.load(fin)


def numbers(value):
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def length(samples):
    try:
        return int(len(samples))
    except TypeError:
        return 0


def task_record(task, where):
    samples = task.samples
    data_url = getattr(samples, "data_url", None) or getattr(task, "data_url", None)
    if not data_url:
        raise SystemExit(f"{where}: the task's sample set has no data_url (the original sets it when it uploads the samples); upload the samples and set it")
    data_type = getattr(samples, "data_type", "train") or "train"
    if data_type not in ("train", "eval", "test"):
        data_type = "train"
    meta = task.meta_attr if isinstance(task.meta_attr, dict) else {}
    return {
        "entry": str(task.entry),
        "meta_attr": {str(k): str(v) for k, v in meta.items()},
        "samples": {"data_type": data_type, "data_url": str(data_url), "sample_num": length(samples)},
    }


def model_record(group, tasks):
    model = getattr(group, "model", None)
    url = getattr(model, "model", None) if model is not None else None
    if not url or not isinstance(url, str):
        return None
    return {
        "url": url,
        "format": os.path.splitext(url)[1].lstrip(".") or "model",
        "metrics": numbers(getattr(model, "result", None)),
        "train_samples": length(getattr(group, "samples", None)) or sum(t["samples"]["sample_num"] for t in tasks),
        "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "transfer_from": None,
    }


def section(raw, name, seen):
    raw = raw or {}
    extractor = raw.get("extractor")
    if extractor is not None:
        print(f"{name}.extractor: the original's task attribute extractor ({type(extractor).__name__}) is a Python object and is not carried over; the index has none", file=sys.stderr)
    groups = []
    for gi, group in enumerate(raw.get("task_groups") or []):
        where = f"{name}.task_groups[{gi}] ({group.entry})"
        tasks = [task_record(task, f"{where}.tasks[{ti}]") for ti, task in enumerate(group.tasks)]
        model = model_record(group, tasks)
        if seen and model is None:
            raise SystemExit(f"{where}: a seen task group needs its model's URL (group.model.model)")
        groups.append({
            "entry": str(group.entry),
            "deploy": True,
            "tasks": tasks,
            "relations": [{"task": t["entry"], "transfer_ratio": 1 / len(tasks)} for t in tasks],
            "model": model,
        })
    return {"extractor": None, "task_groups": groups}


def convert(task_info):
    return {
        "format": "sedna-kb-index/v1",
        "create_time": str(task_info.get("create_time") or time.time()),
        "classes": [],
        "statistics": {"labeled_unseen_samples": 0, "unseen_samples": 0},
        "seen_task": section(task_info.get("seen_task"), "seen_task", True),
        "unseen_task": section(task_info.get("unseen_task"), "unseen_task", False),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pickle", help="the original's index (index.pkl)")
    parser.add_argument("output", help="where to write the JSON index")
    args = parser.parse_args()
    index = convert(load(args.pickle))
    with open(args.output, "w") as out:
        json.dump(index, out, indent=1)
    seen = len(index["seen_task"]["task_groups"])
    unseen = len(index["unseen_task"]["task_groups"])
    print(f"wrote {args.output}: {seen} seen and {unseen} unseen task group(s)")


if __name__ == "__main__":
    main()
