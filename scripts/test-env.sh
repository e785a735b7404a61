#!/usr/bin/env bash
# Prepares this machine for the autocodex-ops test suite; idempotent and quick when all is there.
#  1. Debian packages: docker.io, redis-server, busybox-static, docker-compose (v1), pigz, age,
#     cron (the schedule tests start the real daemon by pid), prometheus (for `promtool check metrics`).
#  2. A Docker engine that answers (starts `dockerd --iptables=false` when none runs).
#  3. The local stand-in images (scripts/images/build.sh): no registry is reachable here.
# jq: the audit test recomputes a record hash by hand with it.
# ceph-mon, ceph-osd, radosgw, s3cmd, uuid-runtime, curl: the real S3 store of the offsite tests
# (scripts/s3-gateway.sh; started on demand by the tests, stopped by scripts/test.sh).
# age: the reference age implementation judges the encrypted-backup tests, both ways (issue 21).
# Prints one summary line. Runs under a lock, so parallel test runs don't race.
set -euo pipefail

readonly LOCK_FILE="/tmp/autocodex-ops-test-env.$(id -u).lock"
readonly DOCKERD_LOG=/var/log/autocodex-ops-dockerd.log
readonly DOCKER_WAIT_SECS=60
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo

log() { echo "[test-env] $*" >&2; }
die() { echo "[test-env] error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

exec 9>"$LOCK_FILE" || die "cannot open $LOCK_FILE"
flock -w 900 9 || die "another test-env.sh held $LOCK_FILE for 15 minutes"

# --- 1. packages -------------------------------------------------------------------------------
# command -> Debian package that provides it
declare -A pkg_for=(
  [dockerd]=docker.io [docker]=docker.io [containerd]=docker.io
  [redis-server]=redis-server [redis-cli]=redis-server
  [busybox]=busybox-static [docker-compose]=docker-compose [pigz]=pigz
  [/usr/bin/time]=time [jq]=jq [age]=age [age-keygen]=age [cron]=cron [crontab]=cron [promtool]=prometheus
  [ceph-mon]=ceph-mon [ceph-osd]=ceph-osd [radosgw]=radosgw [s3cmd]=s3cmd [uuidgen]=uuid-runtime [curl]=curl
)
missing_cmds=()
missing_pkgs=()
# /usr/bin/time (GNU time; `time` alone is a shell keyword) measures peak memory in the benchmark.
for cmd in dockerd docker containerd redis-server redis-cli busybox docker-compose pigz /usr/bin/time jq age age-keygen cron crontab promtool ceph-mon ceph-osd radosgw s3cmd uuidgen curl; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing_cmds+=("$cmd")
    case " ${missing_pkgs[*]} " in *" ${pkg_for[$cmd]} "*) ;; *) missing_pkgs+=("${pkg_for[$cmd]}") ;; esac
  fi
done

if [ "${#missing_pkgs[@]}" -gt 0 ]; then
  if ! is_root; then
    die "missing ${missing_cmds[*]}; as root run: apt-get install -y ${missing_pkgs[*]} (or run this script as root)"
  fi
  log "installing ${missing_pkgs[*]} (missing: ${missing_cmds[*]})"
  # Keep package scripts from starting services: a Debian redis on 6379 or a dockerd with
  # iptables would confuse the tests. Only add the guard when the machine has none.
  policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l
  apt_status=0
  { apt-get -o Acquire::Retries=3 update -q && apt-get -o Acquire::Retries=3 install -y -q "${missing_pkgs[@]}"; } >&2 || apt_status=$?
  if [ "$policy_added" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  [ "$apt_status" -eq 0 ] || die "apt-get failed (exit $apt_status)"
  hash -r
  for cmd in "${missing_cmds[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' is still missing after installing ${pkg_for[$cmd]}"
  done
fi

# --- 1b. Python 3.11 with pip -------------------------------------------------------------------
# lock-deps' integration test resolves real (local) wheels with it; whether the machine has it is
# this script's business, not a test's.
if ! python3.11 -c 'import pip' >/dev/null 2>&1; then
  is_root || die "no python3.11 with pip; as root run: apt-get install -y python3-pip"
  log "installing python3-pip (lock-deps' integration test resolves with python3.11 and pip)"
  { DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 update -q && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -q python3-pip; } >&2 || die "apt-get install python3-pip failed"
  python3.11 -c 'import pip' >/dev/null 2>&1 || die "python3.11 with pip is still missing after installing python3-pip"
fi

# --- 2. Docker engine ----------------------------------------------------------------------------
engine_answers() { timeout 20 docker info >/dev/null 2>&1; }

if ! engine_answers; then
  case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
    unix:///var/run/docker.sock | unix:///run/docker.sock) ;;
    *) die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST" ;;
  esac
  is_root || die "no Docker engine answers and starting dockerd needs root; start Docker (or add yourself to the docker group)"
  if pid="$(cat /var/run/docker.pid 2>/dev/null)" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "dockerd (pid $pid) is running but not answering yet; waiting"
  else
    # A pid file left by a killed dockerd makes the next one refuse to start.
    rm -f /var/run/docker.pid
    log "starting dockerd --iptables=false (log: $DOCKERD_LOG)"
    # setsid + nohup: the engine must outlive this script and the test run that started it;
    # it must not inherit the lock (fd 9) or the caller's stdout, or callers would wait on it.
    setsid nohup dockerd --iptables=false >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
  fi
  waited=0
  until engine_answers; do
    if [ "$waited" -ge "$DOCKER_WAIT_SECS" ]; then
      tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
      die "Docker engine did not answer within ${DOCKER_WAIT_SECS}s (see $DOCKERD_LOG)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
fi

# --- 3. stand-in images --------------------------------------------------------------------------
images="$(bash "$repo/scripts/images/build.sh")" || die "building the stand-in images failed"

# --- summary -------------------------------------------------------------------------------------
engine="$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
if docker compose version >/dev/null 2>&1; then
  compose="docker compose $(docker compose version --short 2>/dev/null)"
else
  compose="docker-compose $(docker-compose version --short 2>/dev/null || echo '?')"
fi
redis="$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
echo "test-env: engine $engine, $compose, redis-server $redis, images: $(echo "$images" | paste -sd ',' - | sed 's/,/, /g')"
