#!/usr/bin/env bash
# Install the agent CLIs the built-in tools claude, codex and gemini run (Claude Code, Codex
# CLI, Gemini CLI), at the versions tests/tools/test_agent_clis.py was written against, from
# the npm registry into ${WORKSTREAM_TOOLS:-$HOME/.cache/workstream-tools}/npm, cached between
# runs: when every package there already has its version and each CLI's `--version` works,
# nothing is fetched. Prints the bin folder (what the tests read from WORKSTREAM_AGENT_BIN;
# put it on PATH to use the CLIs). Needs Node.js 20+ and npm.
set -euo pipefail

PACKAGES=(
  "@anthropic-ai/claude-code@2.1.197"
  "@openai/codex@0.171.0"
  "@google/gemini-cli@0.61.0"
)
TOOLS=${WORKSTREAM_TOOLS:-$HOME/.cache/workstream-tools}
PREFIX="$TOOLS/npm"
BIN="$PREFIX/node_modules/.bin"

command -v npm >/dev/null 2>&1 || {
  echo "npm is missing: install Node.js 20+ (e.g. apt-get install nodejs npm)" >&2
  exit 1
}

installed_version() {  # the version of package $1 under $PREFIX, or nothing
  local manifest="$PREFIX/node_modules/$1/package.json"
  [ -f "$manifest" ] && node -p "require(process.argv[1]).version" "$manifest" 2>/dev/null
}

clis_ok() {
  local spec name version home
  for spec in "${PACKAGES[@]}"; do
    name=${spec%@*}
    version=${spec##*@}
    [ "$(installed_version "$name")" = "$version" ] || return 1
  done
  home=$(mktemp -d)
  trap 'rm -rf "$home"' RETURN
  for cli in claude codex gemini; do
    [ -x "$BIN/$cli" ] || return 1
    HOME="$home" timeout 120 "$BIN/$cli" --version </dev/null >/dev/null 2>&1 || return 1
  done
}

if ! clis_ok; then
  echo "installing ${PACKAGES[*]} into $PREFIX" >&2
  mkdir -p "$PREFIX"
  [ -f "$PREFIX/package.json" ] || echo '{"private": true}' >"$PREFIX/package.json"
  npm install --prefix "$PREFIX" --no-audit --no-fund --save-exact --loglevel=error \
    "${PACKAGES[@]}" >&2
  clis_ok || {
    echo "installed ${PACKAGES[*]}, but a CLI's \`--version\` does not work in $BIN" >&2
    exit 1
  }
fi
echo "$BIN"
