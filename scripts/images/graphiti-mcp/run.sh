#!/bin/sh
# Stand-in for the Graphiti MCP server: answers HTTP on :8000 (/ and /sse).
# httpd as PID 1 would ignore SIGTERM (docker stop would wait 10 s), so sh traps it and exits.
trap 'exit 0' TERM INT
httpd -f -p 8000 -h /www &
wait $!
