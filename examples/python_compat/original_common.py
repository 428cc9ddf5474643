"""What the original lib's workers share, as the original writes it (sedna.common.utils, sedna.common.config,
sedna.service.client), for the test workers of this folder: the host address a server binds when no bind
address is given, the Context's parameter lookup, and the client's retrying HTTP request. Requests is imported
only where a worker asks for http_request (the servers run without it)."""
import os
import socket
import time


def get_host_ip():
    """utils.get_host_ip: the address of the outward route (a UDP connect sends nothing), else 127.0.0.1."""
    ip = "127.0.0.1"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("8.8.8.8", 80))
        ip = s.getsockname()[0]
    except Exception:
        pass
    finally:
        s.close()
    return ip


def get_parameters(name, default=None):
    """Context.get_parameters: the name, then its upper case."""
    value = os.environ.get(name) or os.environ.get(str(name).upper())
    return value if value else default


def http_request(url, method="GET", **kwargs):
    """client.http_request: 5 attempts 3 s apart while the answer is not a 200 with JSON."""
    import requests

    for attempt in range(5):
        try:
            response = requests.request(method=method, url=url, **kwargs)
            if response.status_code == 200:
                return response.json()
            print(f"Get invalid status code {response.status_code} in request {url}: {response.text}", flush=True)
        except requests.exceptions.RequestException as err:
            print(f"Error occurred in request {url} : {err}", flush=True)
        if attempt < 4:
            time.sleep(3)
    return None
