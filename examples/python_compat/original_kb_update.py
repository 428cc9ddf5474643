"""KBClient.update_db of the original Python lib (lib/sedna/service/client.py), without the sedna package: POSTs the
index file as the multipart field `task` to <KB_SERVER>/knowledgebase/update. One attempt (the original makes 5,
3 s apart, while the answer is not a 200); prints the answer as one JSON line {status, body}."""
import json
import sys

import requests

kb_server, index_file = sys.argv[1], sys.argv[2]
with open(index_file, "rb") as fin:
    response = requests.post(f"{kb_server}/knowledgebase/update", files={"task": fin})
print(json.dumps({"status": response.status_code, "body": response.json()}))
