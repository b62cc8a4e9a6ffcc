"""``workstream demo``: the whole tool in one command, without touching anything of yours.

Creates a scratch git repository in a temporary folder, writes the seed's example 02 (three
aider steps in parallel) plus a fourth step that depends on all three, and runs it end to end
with live progress (``--cluster local:N`` or a scheduler's address: each step on a worker of
a Dask cluster on this machine). The ``aider`` it runs is a stand-in script put on PATH for
the run: it receives the built-in aider command line (``--yes-always … --message={prompt}
-- {files}``), writes aider's bookkeeping (``.aider.input.history``) and its conversation (the
transcript next to the log), waits a moment, and writes the module its message names, so no
AI service is called. Prints where the result branch is; ``--keep`` keeps the scratch repository.

The scratch folder goes on every way out: the end, Ctrl-C, SIGTERM and SIGHUP (a closed
terminal). During the run those signals cancel it (``run``'s handlers); before and after it
they stop the demo; either way the folder is removed with further signals ignored.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from types import FrameType

from workstream.commands.run import execute
from workstream.executor import RunOptions

WORKSTREAM = """\
{
  // The seed's example 02: three modules written by three aider instances at once,
  // then one shell step that starts from all three results merged.
  "id": "ws-demo",
  "description": "Create math, string and file utility modules in parallel, then a package",
  "execution": { "parallel": true, "max_workers": 3, "timeout_per_step": 60 },
  "steps": [
    {
      "id": "step-01-math-utils",
      "tool": "aider",
      "tasks": ["Create examples/math_utils.py with add, subtract, multiply and divide"],
      "files": ["examples/math_utils.py"],
      "acceptance_tests": ["python -c \\"import examples.math_utils\\""]
    },
    {
      "id": "step-02-string-utils",
      "tool": "aider",
      "tasks": [
        "Create examples/string_utils.py with reverse, capitalize_words and remove_whitespace"
      ],
      "files": ["examples/string_utils.py"],
      "acceptance_tests": ["python -c \\"import examples.string_utils\\""]
    },
    {
      "id": "step-03-file-utils",
      "tool": "aider",
      "tasks": ["Create examples/file_utils.py with safe_read, safe_write and ensure_dir"],
      "files": ["examples/file_utils.py"],
      "acceptance_tests": ["python -c \\"import examples.file_utils\\""]
    },
    {
      "id": "step-04-package",
      "description": "Make examples a package exporting the three modules",
      "run": "echo 'from . import file_utils, math_utils, string_utils' > examples/__init__.py",
      "depends_on": ["step-01-math-utils", "step-02-string-utils", "step-03-file-utils"],
      "files": ["examples/__init__.py"],
      "acceptance_tests": ["python -c \\"import examples; print(examples.math_utils.add)\\""]
    }
  ]
}
"""

#: The stand-in's one source, shipped in the package (samples/cluster/ runs the same file).
STANDIN_AIDER = "data/standin_aider.py"


def write_standin_aider(bin_dir: Path) -> Path:
    """Write the stand-in ``aider`` (run by this Python) into ``bin_dir``; return its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "aider"
    text = resources.files("workstream").joinpath(STANDIN_AIDER).read_text("utf-8")
    script.write_text(f"#!{sys.executable}\n{text}", encoding="utf-8")
    script.chmod(0o755)
    return script


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def create_scratch_repo(root: Path) -> Path:
    """A new repository at ``root`` holding the demo workstream; returns the file's path."""
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "Workstream Demo")
    _git(root, "config", "user.email", "demo@workstream.invalid")
    (root / "README.md").write_text("# A scratch repository for `workstream demo`\n")
    (root / ".gitignore").write_text("__pycache__/\n")
    path = root / "demo.workstream.json"
    path.write_text(WORKSTREAM, encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "A scratch project with a workstream")
    return path


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived outside the run (which handles them itself)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Stopped` (so ``finally`` runs); restored after."""

    def handler(signum: int, frame: FrameType | None) -> None:
        del frame
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, handler) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _self_command() -> str:
    """How to run this workstream from a shell: ``workstream`` when it is on PATH, else the
    script next to this interpreter (a virtualenv that is not activated), else ``python -m``."""
    if shutil.which("workstream") is not None:
        return "workstream"
    script = Path(sys.executable).parent / "workstream"
    if script.is_file():
        return str(script)
    return f"{sys.executable} -m workstream"


def _remove(scratch: Path) -> None:
    """Remove the scratch folder; a further signal cannot interrupt it half-way."""
    ignored = (signal.SIGINT, *_STOP_SIGNALS)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in ignored}
    try:
        shutil.rmtree(scratch, ignore_errors=True)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(args: argparse.Namespace) -> int:
    """Run ``workstream demo``."""
    if shutil.which("git") is None:
        print("workstream: the demo needs git on PATH", file=sys.stderr)
        return 2
    with _stop_on_signals():
        try:
            return _demo(args)
        except Stopped as stop:
            with suppress(OSError):  # the terminal may be gone (SIGHUP)
                print(f"workstream: stopped by {stop}", file=sys.stderr)
            return 128 + stop.signum


def _options(cluster: str | None, env: dict[str, str], scratch: Path) -> RunOptions:
    """The demo's run options: on this machine, or each step on a worker of ``cluster``
    (``local:N`` relays through a repository of the run's own; a scheduler's workers push to a
    bare remote in the scratch folder, which they reach when they run on this machine)."""
    if cluster is None:
        return RunOptions(env=env)
    remote = None
    if not cluster.startswith("local:"):
        remote = str(scratch / "remote.git")
        _git(scratch, "init", "-q", "--bare", remote)
    return RunOptions(env=env, cluster=cluster, remote=remote)


def _demo(args: argparse.Namespace) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="workstream-demo-"))
    repo = scratch / "repo"
    try:
        path = create_scratch_repo(repo)
        standin = write_standin_aider(scratch / "bin")
        print(f"scratch repository: {repo}")
        print(f"workstream: {path.name} (4 steps; 3 run at once, the 4th starts from their merge)")
        print(f"aider: a stand-in at {standin} (takes 1 s, writes the file its message names)\n")
        search = os.pathsep.join([str(standin.parent), str(Path(sys.executable).parent)])
        env = {"PATH": search + os.pathsep + os.environ.get("PATH", ""), "AIDER_DELAY": "1"}
        code = execute(path, _options(args.cluster, env, scratch))
        if code == 0:
            print("\nthe result branch, merged from every step:")
            print(_git(repo, "log", "--graph", "--oneline", "workstream/ws-demo/result"), end="")
            print(_git(repo, "ls-tree", "-r", "--name-only", "workstream/ws-demo/result"), end="")
        if args.keep:
            print(f"\nkept: {repo}\n  cd {repo} && git log --graph --all --oneline")
            print(f"  {_self_command()} status demo.workstream.json")
        else:
            print("\nthe scratch repository is removed (--keep keeps it)")
        return code
    finally:
        if not args.keep:
            _remove(scratch)
