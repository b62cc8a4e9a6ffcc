#!/usr/bin/env bash
# Everything CI checks for the extension, in order: install, type-check, unit tests, the .vsix,
# and the end-to-end test in a real code-server. Exits non-zero when any of them fails.
# WORKSTREAM_PYTHON: the interpreter with the `workstream` package installed (default python3).
# WORKSTREAM_E2E=0 skips the end-to-end test (for a quick local loop; CI never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
export WORKSTREAM_PYTHON="${WORKSTREAM_PYTHON:-python3}"

step() { printf '\n== extension: %s\n' "$*"; }
start=$SECONDS

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "type-check (tsc strict)"
npm run --silent typecheck

step "unit tests"
npm test --silent

step "package the .vsix"
rm -f workstream.vsix
npm run --silent package
test -s workstream.vsix

if [ "${WORKSTREAM_E2E:-1}" = 0 ]; then
  echo "end-to-end test skipped (WORKSTREAM_E2E=0)"
else
  step "end-to-end test in code-server"
  setup_out="$(bash scripts/e2e-setup.sh)"
  NODE24_BIN="$(sed -n 's/^NODE24_BIN=//p' <<<"$setup_out")"
  CODE_SERVER="$(sed -n 's/^CODE_SERVER=//p' <<<"$setup_out")"
  export NODE24_BIN CODE_SERVER
  export WORKSTREAM_VSIX="$PWD/workstream.vsix"
  node --test --test-concurrency=1 e2e/
fi
echo "extension checks passed in $((SECONDS - start))s"
