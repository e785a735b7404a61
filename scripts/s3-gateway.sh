#!/usr/bin/env bash
# A real S3 store for the offsite tests: a one-node Ceph cluster (mon + one OSD on bluestore in a
# sparse file) with a RADOS Gateway on 127.0.0.1, from Debian's own packages. Recipe and traps:
# ../shared/reference/s3-test-store.md.
#   s3-gateway.sh start   bring it up (idempotent), then write the env file $S3GW_DIR/env
#   s3-gateway.sh stop    stop the daemons by their pids (radosgw, osd, mon) and remove the state
#   s3-gateway.sh status  exit 0 when the gateway answers
# The daemons never inherit the lock's descriptor (9>&-): they would hold it for their lifetime.
# The env file holds AUTOCODEX_OPS_TEST_S3_ENDPOINT / _ACCESS_KEY / _SECRET_KEY for the tests.
set -euo pipefail

readonly S3GW_DIR="${S3GW_DIR:-/tmp/autocodex-ops-s3gw.$(id -u)}"
readonly RGW_PORT="${S3GW_PORT:-7480}"
readonly MON_PORT="${S3GW_MON_PORT:-3300}"
readonly ACCESS_KEY=aco-test-access
readonly SECRET_KEY=aco-test-secret-0123456789
readonly LOCK_FILE="/tmp/autocodex-ops-s3gw.$(id -u).lock"
export CEPH_CONF="$S3GW_DIR/ceph.conf"

log() { echo "[s3-gateway] $*" >&2; }
die() { echo "[s3-gateway] error: $*" >&2; exit 1; }

answers() { curl -fs -m 3 -o /dev/null "http://127.0.0.1:$RGW_PORT/"; }

pid_of() { cat "$S3GW_DIR/run/$1.pid" 2>/dev/null || true; }

stop_daemon() {
  local pid
  pid="$(pid_of "$1")"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "$1 (pid $pid) ignored SIGTERM for 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

write_conf() {
  cat >"$CEPH_CONF" <<EOF
[global]
fsid = $1
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
run dir = $S3GW_DIR/run
pid file = $S3GW_DIR/run/\$name.pid
admin socket = $S3GW_DIR/run/\$name.asok
log file = $S3GW_DIR/log/\$name.log
mon data = $S3GW_DIR/\$name
osd data = $S3GW_DIR/\$name
osd objectstore = bluestore
bluestore block path = $S3GW_DIR/osd-block
bluestore block create = true
bluestore block size = 17179869184
bluestore fsck on mount = false
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon max pg per osd = 1000
mon data avail warn = 2
mon data avail crit = 1
[client]
keyring = /dev/null
[client.rgw.local]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw dns name = localhost
rgw thread pool size = 32
EOF
}

write_env() {
  umask 077
  cat >"$S3GW_DIR/env.tmp" <<EOF
AUTOCODEX_OPS_TEST_S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
AUTOCODEX_OPS_TEST_S3_ACCESS_KEY=$ACCESS_KEY
AUTOCODEX_OPS_TEST_S3_SECRET_KEY=$SECRET_KEY
AUTOCODEX_OPS_TEST_S3_DIR=$S3GW_DIR
EOF
  mv "$S3GW_DIR/env.tmp" "$S3GW_DIR/env"
}

start() {
  for cmd in ceph-mon ceph-osd radosgw radosgw-admin monmaptool uuidgen curl; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' is missing; run scripts/test-env.sh as root"
  done
  if answers && [ -f "$S3GW_DIR/env" ]; then log "already running on 127.0.0.1:$RGW_PORT"; return 0; fi
  # Leftovers of a half-started or killed cluster: stop what still runs, start from nothing.
  stop_all
  mkdir -p "$S3GW_DIR"/{run,log,mon.a}
  local fsid uuid id
  fsid="$(uuidgen)"
  write_conf "$fsid"
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT]" "$S3GW_DIR/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$S3GW_DIR/monmap" 2>>"$S3GW_DIR/log/setup.log"
  ceph-mon -i a 9>&-
  timeout 60 ceph -s >/dev/null || die "the monitor did not answer within 60 s (log: $S3GW_DIR/log/mon.a.log)"
  uuid="$(uuidgen)"
  id="$(ceph osd new "$uuid")"
  mkdir -p "$S3GW_DIR/osd.$id"
  ceph-osd -i "$id" --mkfs --osd-uuid "$uuid" >>"$S3GW_DIR/log/setup.log" 2>&1
  ceph-osd -i "$id" 2>>"$S3GW_DIR/log/setup.log" 9>&-
  for _ in $(seq 1 120); do ceph osd dump 2>/dev/null | grep -q "^osd.$id up" && break; sleep 0.5; done
  ceph osd dump | grep -q "^osd.$id up" || die "osd.$id did not come up (log: $S3GW_DIR/log/osd.$id.log)"
  radosgw -n client.rgw.local 9>&-
  for _ in $(seq 1 120); do answers && break; sleep 0.5; done
  answers || die "radosgw did not answer on 127.0.0.1:$RGW_PORT within 60 s (log: $S3GW_DIR/log/client.rgw.local.log)"
  radosgw-admin user create --uid=test --display-name=test --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null
  write_env
  log "running on http://127.0.0.1:$RGW_PORT (env: $S3GW_DIR/env)"
}

stop_all() {
  [ -d "$S3GW_DIR/run" ] || { rm -rf "$S3GW_DIR"; return 0; }
  stop_daemon client.rgw.local
  for f in "$S3GW_DIR"/run/osd.*.pid; do [ -e "$f" ] && stop_daemon "$(basename "$f" .pid)"; done
  stop_daemon mon.a
  rm -rf "$S3GW_DIR"
}

exec 9>"$LOCK_FILE" || die "cannot open $LOCK_FILE"
flock -w 300 9 || die "another s3-gateway.sh held $LOCK_FILE for 5 minutes"

# Test runs share one gateway: each registers its pid (`use`), and the last one out (`release`)
# stops it, only if tests started it (the marker ensureGateway writes): a run never stops the
# gateway another run still uses, nor one a developer started by hand.
readonly USERS_DIR="$S3GW_DIR.users"
release() {
  rm -f "$USERS_DIR/$1"
  local f
  for f in "$USERS_DIR"/*; do
    [ -e "$f" ] || continue
    if kill -0 "$(basename "$f")" 2>/dev/null; then log "still used by pid $(basename "$f")"; return 0; fi
    rm -f "$f"
  done
  if [ -f "$S3GW_DIR/started-by-tests" ]; then stop_all; log "stopped"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop_all; log "stopped" ;;
  status) answers && [ -f "$S3GW_DIR/env" ] ;;
  use) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "usage: $0 use <pid>"; mkdir -p "$USERS_DIR"; : >"$USERS_DIR/$2" ;;
  release) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "usage: $0 release <pid>"; release "$2" ;;
  *) die "usage: $0 start|stop|status|use <pid>|release <pid>" ;;
esac
