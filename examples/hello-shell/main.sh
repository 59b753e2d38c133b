#!/bin/bash
# A hello worker for the shell stack. Dockhand hands the task its payload in the file named by
# PAYLOAD_FILE; whatever JSON it writes to RESULT_FILE becomes the task's result; stdout is its log.
#   dockhand run examples/hello-shell --stack shell --payload '{"name":"you"}'
set -eu
# An empty or non-JSON payload greets the world.
name=$(jq -r 'if type == "object" then .name // empty else empty end' "$PAYLOAD_FILE" 2>/dev/null || true)
greeting="Hello, ${name:-world}!"
echo "$greeting"
echo "bash $BASH_VERSION"
jq -n --arg greeting "$greeting" '{greeting: $greeting}' > "$RESULT_FILE"
