#!/bin/sh
# Stand-in for FalkorDB's build/docker/run.sh: same argv order, minus --loadmodule (no module here).
# The real image's ENTRYPOINT (entrypoint.sh -> supervisord) ignores the container command, so a
# helper container that relies on CMD would start the database instead of its job. Fail fast instead.
if [ "$#" -gt 0 ]; then
    echo "falkordb stand-in: the image ignores its command, like the real one; set the entrypoint (docker run --entrypoint sh IMAGE -c '...')" >&2
    exit 64
fi

if [ ! -d "${FALKORDB_DATA_PATH}" ]; then
    mkdir -p "${FALKORDB_DATA_PATH}"
fi

# The real image puts FALKORDB_ARGS after `--loadmodule falkordb.so`: redis reads the words before
# the first `--option` as module arguments, the rest as server options (legacy Auto-Codex setups
# put `--appendonly yes --requirepass …` there). Without the module, drop the module words.
set -f
module_args=""
server_args=""
in_module=1
for word in ${FALKORDB_ARGS}; do
    case "$word" in --*) in_module=0 ;; esac
    if [ "$in_module" = 1 ]; then module_args="$module_args $word"; else server_args="$server_args $word"; fi
done
if [ -n "$module_args" ]; then
    echo "falkordb stand-in: no module loaded, ignoring module arguments:$module_args" >&2
fi

# shellcheck disable=SC2086
exec redis-server ${REDIS_ARGS} --protected-mode no --dir "${FALKORDB_DATA_PATH}" ${server_args}
