# A hello worker for the python-3.13 stack. Dockhand hands the task its payload in the file named by
# PAYLOAD_FILE; whatever JSON it writes to RESULT_FILE becomes the task's result; stdout is its log.
#   dockhand run examples/hello-python --stack python-3.13 --payload '{"name":"you"}'
import json
import os
import platform


def read_payload():
    try:
        with open(os.environ["PAYLOAD_FILE"], encoding="utf-8") as f:
            payload = json.load(f)
        return payload if isinstance(payload, dict) else {}
    except (OSError, ValueError):
        return {}  # no payload, or plain text: greet the world


name = read_payload().get("name", "world")
greeting = f"Hello, {name}!"
print(greeting)
print(f"python {platform.python_version()}")
with open(os.environ["RESULT_FILE"], "w", encoding="utf-8") as f:
    json.dump({"greeting": greeting}, f)
