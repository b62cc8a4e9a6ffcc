#!/usr/bin/env bash
# Install the real agent CLIs the tool tests run (tests/tools/), each in its own virtual
# environment under ${WORKSTREAM_TOOLS:-$HOME/.cache/workstream-tools}, cached between runs:
# a tool already there whose `--version` works is left alone. Prints the bin folder of aider
# (what tests read from WORKSTREAM_AIDER_BIN). Needs only PyPI.
set -euo pipefail

AIDER_VERSION=0.86.2
TOOLS=${WORKSTREAM_TOOLS:-$HOME/.cache/workstream-tools}
PYTHON=${WORKSTREAM_TOOLS_PYTHON:-python3}
AIDER_HOME="$TOOLS/aider"
AIDER_BIN="$AIDER_HOME/bin"

aider_ok() {
  [ -x "$AIDER_BIN/aider" ] || return 1
  local version
  version=$(HOME="$(mktemp -d)" "$AIDER_BIN/aider" --version 2>/dev/null) || return 1
  [ "$version" = "aider $AIDER_VERSION" ]
}

if ! aider_ok; then
  echo "installing aider-chat==$AIDER_VERSION into $AIDER_HOME" >&2
  rm -rf "$AIDER_HOME"
  mkdir -p "$TOOLS"
  "$PYTHON" -m venv "$AIDER_HOME"
  "$AIDER_BIN/python" -m pip install -qq --upgrade pip >&2
  "$AIDER_BIN/python" -m pip install -qq "aider-chat==$AIDER_VERSION" >&2
  aider_ok || {
    echo "aider-chat $AIDER_VERSION installed but \`aider --version\` does not work" >&2
    exit 1
  }
fi
echo "$AIDER_BIN"
