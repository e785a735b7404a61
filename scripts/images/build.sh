#!/usr/bin/env bash
# Builds the two local stand-in images the Docker tests run against, with no registry:
# a rootfs folder made from this machine's binaries, fed to `docker import`.
#   falkordb/falkordb:autocodex-ops-standin               Debian's redis-server laid out like FalkorDB
#   falkordb/graphiti-knowledge-graph-mcp:autocodex-ops-standin   busybox httpd on :8000
# An image is rebuilt only when the hash of its inputs (these files, the binaries and the
# libraries copied in) differs from the label it carries. Prints one "name id" line per image.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly here
readonly FALKORDB_IMAGE=falkordb/falkordb:autocodex-ops-standin
readonly MCP_IMAGE=falkordb/graphiti-knowledge-graph-mcp:autocodex-ops-standin
readonly HASH_LABEL=autocodex-ops.inputs-sha256
readonly PATH_ENV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "images: $*" >&2; exit 1; }

for tool in docker busybox redis-server redis-cli ldd sha256sum tar; do
  command -v "$tool" >/dev/null 2>&1 || die "missing '$tool' (run scripts/test-env.sh)"
done
busybox_bin="$(readlink -f "$(command -v busybox)")"
redis_server_bin="$(readlink -f "$(command -v redis-server)")"
redis_cli_bin="$(readlink -f "$(command -v redis-cli)")"

# Shared libraries of the given binaries (absolute paths, the loader included), one per line.
libs_of() {
  local bin
  for bin in "$@"; do
    ldd "$bin" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' || true
  done | sort -u
}

# sha256 over file contents and names; names under this folder are made relative, so that a
# checkout in another folder reuses the images.
hash_inputs() {
  sha256sum -- "$@" | sed "s|  $here/|  |" | sha256sum | cut -d' ' -f1
}

current_hash() {
  docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$1" 2>/dev/null || true
}

# Minimal merged-/usr tree with a busybox that provides sh, tar, wget, grep, ...
base_rootfs() {
  local root="$1" applet
  mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{etc,root,tmp,var/tmp,proc,sys,dev}
  ln -s usr/bin "$root/bin"
  ln -s usr/sbin "$root/sbin"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  chmod 1777 "$root/tmp" "$root/var/tmp"
  cp "$busybox_bin" "$root/usr/bin/busybox"
  while read -r applet; do
    [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /usr/bin/busybox "$root/$applet"
  done < <(busybox --list-full)
  copy_libs "$root" "$busybox_bin"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

copy_libs() {
  local root="$1" lib
  shift
  while read -r lib; do
    [ -n "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done < <(libs_of "$@")
}

import_rootfs() {
  local root="$1" image="$2" hash="$3" old
  shift 3
  old="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  local changes=(--change "LABEL $HASH_LABEL=$hash" --change "LABEL autocodex-ops.standin=true")
  local c
  for c in "$@"; do changes+=(--change "$c"); done
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . \
    | docker import "${changes[@]}" --message "autocodex-ops test stand-in" - "$image" >/dev/null
  # The previous build is now untagged; drop it unless a container still uses it.
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect --format '{{.Id}}' "$image")" ]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
}

build_falkordb() {
  local inputs hash root
  inputs=("$here/build.sh" "$here/falkordb/run.sh" "$busybox_bin" "$redis_server_bin" "$redis_cli_bin")
  mapfile -t -O "${#inputs[@]}" inputs < <(libs_of "$redis_server_bin" "$redis_cli_bin" "$busybox_bin")
  hash="$(hash_inputs "${inputs[@]}")"
  if [ "$(current_hash "$FALKORDB_IMAGE")" = "$hash" ]; then return 0; fi

  root="$workdir/falkordb"
  base_rootfs "$root"
  cp "$redis_server_bin" "$root/usr/bin/redis-server"
  cp "$redis_cli_bin" "$root/usr/bin/redis-cli"
  # Debian's binary picks its mode from argv[0], like upstream's redis-check-* links.
  ln -sf redis-server "$root/usr/bin/redis-check-aof"
  ln -sf redis-server "$root/usr/bin/redis-check-rdb"
  copy_libs "$root" "$redis_server_bin" "$redis_cli_bin"
  # FalkorDB layout (PR #958): data in /var/lib/falkordb/data; /data is a folder holding only a
  # `data` symlink, so a volume mounted at /data receives nothing (anchors §A.1).
  mkdir -p "$root/var/lib/falkordb/bin" "$root/var/lib/falkordb/data" "$root/data"
  ln -s /var/lib/falkordb/data "$root/data/data"
  install -m 0755 "$here/falkordb/run.sh" "$root/var/lib/falkordb/bin/run.sh"

  import_rootfs "$root" "$FALKORDB_IMAGE" "$hash" \
    "ENV PATH=$PATH_ENV" \
    "ENV FALKORDB_HOME=/var/lib/falkordb" \
    "ENV FALKORDB_DATA_PATH=/var/lib/falkordb/data" \
    "ENV FALKORDB_BIN_PATH=/var/lib/falkordb/bin" \
    "ENV FALKORDB_ARGS=\"MAX_QUEUED_QUERIES 25 TIMEOUT 1000 RESULTSET_SIZE 10000\"" \
    "WORKDIR /var/lib/falkordb" \
    "EXPOSE 6379/tcp" \
    "VOLUME /data" \
    'ENTRYPOINT ["/var/lib/falkordb/bin/run.sh"]'
}

build_mcp() {
  local inputs hash root
  inputs=("$here/build.sh" "$here/graphiti-mcp/run.sh" "$here/graphiti-mcp/www/index.html"
    "$here/graphiti-mcp/www/sse" "$busybox_bin")
  mapfile -t -O "${#inputs[@]}" inputs < <(libs_of "$busybox_bin")
  hash="$(hash_inputs "${inputs[@]}")"
  if [ "$(current_hash "$MCP_IMAGE")" = "$hash" ]; then return 0; fi

  root="$workdir/graphiti-mcp"
  base_rootfs "$root"
  mkdir -p "$root/www" "$root/usr/local/bin"
  cp "$here/graphiti-mcp/www/index.html" "$here/graphiti-mcp/www/sse" "$root/www/"
  install -m 0755 "$here/graphiti-mcp/run.sh" "$root/usr/local/bin/run.sh"

  import_rootfs "$root" "$MCP_IMAGE" "$hash" \
    "ENV PATH=$PATH_ENV" \
    "EXPOSE 8000/tcp" \
    'CMD ["/usr/local/bin/run.sh"]'
}

workdir="$(mktemp -d "${TMPDIR:-/tmp}/aco-images.XXXXXX")"
trap 'rm -rf "$workdir"' EXIT

build_falkordb
build_mcp
for image in "$FALKORDB_IMAGE" "$MCP_IMAGE"; do
  printf '%s %s\n' "$image" "$(docker image inspect --format '{{.Id}}' "$image" | cut -c8-19)"
done
