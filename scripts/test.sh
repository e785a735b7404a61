#!/usr/bin/env bash
# The README's test command (`npm test`): prepares the machine, builds, type-checks, then runs every
# test the machine can run — unit, integration on the real engine, e2e on bundle and binary — and
# checks that no test was skipped without a listed reason (scripts/check-skips.mjs; fatal in CI).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/test-env.sh
# The offsite tests start the Ceph RGW (scripts/s3-gateway.sh) when they need it. This run holds it
# across the vitest projects and releases it on the way out, pass or fail: the last user stops it
# by pid (only if tests started it; never while another run on the machine still uses it).
bash scripts/s3-gateway.sh use $$
trap 'bash scripts/s3-gateway.sh release $$' EXIT
npm run build
npm run typecheck

# The Docker switch exists for developers' quick local runs; the full run always sets it.
export AUTOCODEX_OPS_DOCKER_TESTS=1
export AUTOCODEX_OPS_SKIP_REPORT="$PWD/.test-results/skipped.jsonl"
rm -f "$AUTOCODEX_OPS_SKIP_REPORT"
npx vitest run --project unit
npx vitest run --project integration
npx vitest run --project e2e
node scripts/check-skips.mjs
