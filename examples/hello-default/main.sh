#!/bin/sh
# A hello worker for the default stack (packages that name no stack): sh, with node, python and jq
# beside it. Dockhand hands the task its payload in PAYLOAD_FILE; JSON written to RESULT_FILE becomes
# the task's result; stdout is its log.
#   dockhand run examples/hello-default --stack default --payload '{"name":"you"}'
set -eu
name=$(jq -r 'if type == "object" then .name // empty else empty end' "$PAYLOAD_FILE" 2>/dev/null || true)
greeting="Hello, ${name:-world}!"
echo "$greeting"
echo "sh: $(bash --version | head -n 1)"
echo "node $(node --version), $(python3 --version)"
jq -n --arg greeting "$greeting" '{greeting: $greeting}' > "$RESULT_FILE"
