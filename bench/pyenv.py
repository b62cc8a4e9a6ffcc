"""Benchmark of the per-worktree Python environment: cost per step of each recipe, side by side.

The project is ``samples/python-project`` (src layout, setuptools, pytest as its ``test``
extra) in a scratch repository; a workstream of ``--steps`` independent steps, each adding one
module, with ``python -c 'import app.mN'`` and ``pytest -q`` as acceptance tests, run one step
at a time under the sandbox. The same workstream runs with each ``setup``:

- none: the baseline (the tests use the ``pytest`` on ``PATH``; the worktree's code comes first
  through ``PYTHONPATH``);
- uv: the recipe, ``uv venv -q .venv && uv pip install -q -p .venv -e '.[test]'``;
- uv, deps only: ``uv pip install -r pyproject.toml --extra test`` (the project itself is not
  built: it is imported from the worktree through ``PYTHONPATH``);
- pip: the fallback, ``python -m venv .venv && .venv/bin/pip install -q -e '.[test]'``.

Each variant runs once untimed (to warm ``~/.cache/uv`` and ``~/.cache/pip``, which the steps
may write), then ``--repeat`` times interleaved; medians. Also: the tripwire's fingerprint of a
virtualenv (``VIRTUAL_ENV``, default: this interpreter's), beside the repository snapshot.
Run: ``python bench/pyenv.py [--steps N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workstream.executor import Executor, RunOptions
from workstream.executor.pyenv import venv_fingerprint
from workstream.executor.tripwire import snapshot

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "python-project"
UV = "uv venv -q .venv && uv pip install -q -p .venv"
VARIANTS = {
    "none": None,
    "uv": f"{UV} -e '.[test]'",
    "uv, deps only": f"{UV} -r pyproject.toml --extra test",
    "pip": "python -m venv .venv && .venv/bin/pip install -q -e '.[test]'",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path) -> None:
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "sample")


def write_workstream(root: Path, setup: str | None, steps: int, tag: str) -> Path:
    execution: dict[str, object] = {
        "max_workers": 1,
        "writable": ["~/.cache/uv", "~/.cache/pip"],
    }
    if setup is not None:
        execution["setup"] = setup
    doc = {
        "id": f"bench-{tag}",
        "execution": execution,
        "steps": [
            {
                "id": f"m{i}",
                "run": f"echo 'X = {i}' > src/app/m{i}.py",
                "files": [f"src/app/m{i}.py"],
                "acceptance_tests": [f"python -c 'import app.m{i}'", "pytest -q"],
            }
            for i in range(steps)
        ],
    }
    path = root / f"{tag}.workstream.json"
    path.write_text(json.dumps(doc))
    return path


def timed_run(path: Path, env: dict[str, str]) -> float:
    began = time.perf_counter()
    result = Executor(path, RunOptions(env=env)).run()
    elapsed = time.perf_counter() - began
    if result.status != "succeeded":
        failed = {s: e.message for s, e in result.state.steps.items() if e.status != "succeeded"}
        raise SystemExit(f"{path.name}: {failed}")
    return elapsed


def fingerprint_cost(root: Path, repeat: int = 20) -> None:
    venv = os.environ.get("VIRTUAL_ENV") or (sys.prefix if sys.prefix != sys.base_prefix else "")
    if not venv:
        print("no virtualenv: no fingerprint figure")
        return
    env = {"VIRTUAL_ENV": venv}
    ours: list[float] = []
    snap: list[float] = []
    for _ in range(repeat):
        began = time.perf_counter()
        entries = len(venv_fingerprint(env))
        ours.append(time.perf_counter() - began)
        began = time.perf_counter()
        snapshot(root, root / ".git", ignore_ref_prefix="refs/heads/workstream/", env={})
        snap.append(time.perf_counter() - began)
    a, b = statistics.median(ours), statistics.median(snap)
    print(
        f"tripwire fingerprint of {venv} ({entries} entries), median of {repeat}: "
        f"{a * 1000:.1f} ms, beside {b * 1000:.1f} ms for the repository snapshot "
        f"({a / b:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bin_dir = str(Path(sys.executable).parent)  # uv and pytest, behind the user's PATH
    env = {"PATH": os.environ.get("PATH", os.defpath) + os.pathsep + bin_dir}
    with tempfile.TemporaryDirectory(prefix="ws-bench-pyenv-") as tmp:
        root = Path(tmp) / "repo"
        make_repo(root)
        runs = list(enumerate(VARIANTS.items()))
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for n, (_, setup) in runs:  # warm the caches
            timed_run(write_workstream(root, setup, 1, f"warm{n}"), env)
        for i in range(args.repeat):
            for n, (name, setup) in runs[i % len(runs) :] + runs[: i % len(runs)]:  # interleaved
                path = write_workstream(root, setup, args.steps, f"v{n}-{i}")
                times[name].append(timed_run(path, env) / args.steps)
        base = statistics.median(times["none"])
        print(
            f"{args.steps} steps, 1 worker, sandboxed, {root.name}: samples/python-project; "
            f"median of {args.repeat}"
        )
        print(f"{'setup':16}{'per step':>10}{'vs none':>9}{'setup alone':>13}")
        for name in VARIANTS:
            cost = statistics.median(times[name])
            print(f"{name:16}{cost:>9.2f}s{cost / base:>8.1f}x{cost - base:>12.2f}s")
        fingerprint_cost(root)


if __name__ == "__main__":
    main()
