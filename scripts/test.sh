#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them all:
# lint, types, the Python suite (core, executor on real git, the Dask backend on a real
# scheduler and two bubblewrapped workers, language server over stdio, headless Neovim) and the
# VS Code extension's tests. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${WORKSTREAM_VENV:-.venv}
case "$VENV" in /*) ;; *) VENV="$PWD/$VENV" ;; esac
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e '.[test]'

# Real editors for the language-server tests (Debian's Neovim; Emacs with eglot) and the
# sandbox every step runs in (bubblewrap): the executor and hostile suites run with it and
# without it; tests/cluster starts its Dask workers under it, hiding the user's repository.
NEED=()
command -v nvim >/dev/null 2>&1 || NEED+=(neovim)
command -v emacs >/dev/null 2>&1 || NEED+=(emacs-nox)
[ -d /usr/share/emacs/site-lisp/elpa-src ] && ls /usr/share/emacs/site-lisp/elpa-src | grep -q '^eglot-' \
  || NEED+=(elpa-eglot)
command -v bwrap >/dev/null 2>&1 || NEED+=(bubblewrap)
if [ ${#NEED[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${NEED[@]}" >/dev/null
fi
bwrap --ro-bind / / --unshare-pid --die-with-parent true || {
  echo "bubblewrap cannot create namespaces here; the sandboxed tests need it" >&2
  exit 1
}

# The real AI tools the tests in tests/tools/ run against fake models on 127.0.0.1: aider from
# PyPI, Claude Code, Codex CLI and Gemini CLI from npm, each cached under
# ${WORKSTREAM_TOOLS:-~/.cache/workstream-tools}; here a missing tool fails its tests.
export WORKSTREAM_AIDER_BIN WORKSTREAM_AGENT_BIN
WORKSTREAM_AIDER_BIN=$(bash scripts/install_tools.sh)
WORKSTREAM_AGENT_BIN=$(bash scripts/install_agent_clis.sh)
export WORKSTREAM_REQUIRE_TOOLS=1

"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/mypy"
"$VENV/bin/pytest" -q -p no:cacheprovider
# The executor and hostile suites again in the other worktree modes (execution.reuse; the
# default, "clean", ran above): the pool must not change any outcome.
for reuse in false '"keep-ignored"'; do
  WORKSTREAM_TEST_REUSE=$reuse "$VENV/bin/pytest" -q -p no:cacheprovider tests/executor tests/hostile
done

if [ -f extension/scripts/test.sh ]; then
  WORKSTREAM_PYTHON="$VENV/bin/python" bash extension/scripts/test.sh
fi
echo "All tests passed."
