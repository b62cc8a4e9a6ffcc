"""Benchmark of the real aider's cost per step inside the executor, beside aider alone.

A repository with ``examples/__init__.py``; a workstream of N=3 independent aider steps, each
creating one module (``examples/mod_<i>.py``), run by ``workstream run`` with ``max_workers``
1, in the sandbox and with ``"sandbox": false``. The baseline is a script doing the same
work by hand for each step: ``git worktree add --detach``, the same aider argv the executor
builds (the built-in definition, with its ``--chat-history-file`` and ``--message``),
``git add -A`` (aider's own files left out), ``git commit``, ``git worktree remove``. Both
talk to the fake model of the tests (``tests/tools/fake_model.py``) on 127.0.0.1, with the
same environment and one warmed-up HOME (aider's first run in a fresh HOME loads its imports
slowly), so what differs is the executor: worktrees of its own, the sandbox, the scope
check, the result commit, state, logs and the final merge.

Prints the medians of ``--repeat`` interleaved runs, per step, and the ratios to the baseline.
Needs aider (``scripts/install_tools.sh``, or ``WORKSTREAM_AIDER_BIN``).
Run: ``python bench/aider.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tools.conftest import aider_env, find_aider  # noqa: E402
from tests.tools.fake_model import FakeModel  # noqa: E402

from workstream.executor.sandbox import find_bwrap  # noqa: E402
from workstream.executor.tools import step_argv  # noqa: E402
from workstream.model import build  # noqa: E402

STEPS = 3


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def workstream(ws_id: str, sandbox: bool) -> dict[str, object]:
    steps = [
        {
            "id": f"mod-{i}",
            "tool": "aider",
            "tasks": [f"Create examples/mod_{i}.py with first_{i}, second_{i} and third_{i}"],
            "files": [f"examples/mod_{i}.py"],
        }
        for i in range(STEPS)
    ]
    execution = {"max_workers": 1, "sandbox": sandbox, "timeout_per_step": 300}
    return {"id": ws_id, "execution": execution, "steps": steps}


def make_repo(root: Path) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.com")
    (root / "README.md").write_text("# bench\n")
    (root / ".gitignore").write_text("__pycache__/\n")
    (root / "examples").mkdir()
    (root / "examples" / "__init__.py").write_text("")
    for name, sandbox in (("boxed", True), ("open", False)):
        doc = workstream(f"ws-aider-{name}", sandbox)
        (root / f"{name}.workstream.json").write_text(json.dumps(doc, indent=1))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bench repository")


def executor_run(root: Path, env: dict[str, str], name: str) -> float:
    began = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "workstream", "run", f"{name}.workstream.json"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - began
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return took


def baseline_run(root: Path, env: dict[str, str], logs: Path) -> float:
    """The same steps by hand: worktree, the same aider argv, add, commit, remove."""
    model = build(workstream("ws-aider-raw", True))
    assert model is not None
    base = git(root, "rev-parse", "HEAD").strip()
    wt_root = root / ".git" / "raw-worktrees"
    began = time.perf_counter()
    for step in model.steps:
        path = wt_root / step.id
        git(root, "worktree", "add", "-q", "--detach", str(path), base)
        transcript = logs / f"{step.id}.transcript.md"
        argv = step_argv(model, step, transcript=str(transcript))
        subprocess.run(
            argv, cwd=path, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=True
        )
        git(path, "add", "-A", "--", ".", ":(exclude,glob).aider*", ":(exclude,glob)**/.aider*")
        git(path, "commit", "-q", "-m", step.id)
        assert step.files and (path / step.files[0]).is_file()
        git(root, "worktree", "remove", "--force", str(path))
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    aider_bin, version = find_aider()
    if aider_bin is None:
        sys.exit(f"aider is needed: {version}")
    boxed = find_bwrap() is not None
    with tempfile.TemporaryDirectory(prefix="ws-bench-aider-") as tmp, FakeModel() as fake:
        root, home, logs = Path(tmp) / "repo", Path(tmp) / "home", Path(tmp) / "logs"
        home.mkdir()
        logs.mkdir()
        make_repo(root)
        env = aider_env(aider_bin, fake, home)
        baseline_run(root, env, logs)  # warm-up: aider's first run in this HOME, disk caches
        runs: list[tuple[str, Callable[[], float]]] = [
            ("raw", lambda: baseline_run(root, env, logs)),
            ("open", lambda: executor_run(root, env, "open")),
        ]
        if boxed:
            runs.append(("boxed", lambda: executor_run(root, env, "boxed")))
        times: dict[str, list[float]] = {name: [] for name, _ in runs}
        for i in range(args.repeat):  # interleaved, rotating order: load drifts cancel
            for name, fn in runs[i % len(runs) :] + runs[: i % len(runs)]:
                times[name].append(fn())
        med = {name: statistics.median(values) / STEPS for name, values in times.items()}
        requests = len(fake.completions())
        print(
            f"{version}, {STEPS} independent steps, one at a time, against a fake model on "
            f"127.0.0.1 ({requests} completions served); median of {args.repeat}, per step"
        )
        print(f"{'':34}{'per step':>10}{'vs alone':>10}{'added':>10}")
        rows = [("aider alone (script, worktree)", "raw"), ("workstream run, no sandbox", "open")]
        if boxed:
            rows.append(("workstream run, sandboxed", "boxed"))
        else:
            print("bubblewrap is not available: no sandboxed figure")
        for label, key in rows:
            added = med[key] - med["raw"]
            print(
                f"{label:34}{med[key]:>9.2f}s{med[key] / med['raw']:>9.2f}x{added * 1000:>8.0f}ms"
            )
        shutil.rmtree(root / ".git" / "raw-worktrees", ignore_errors=True)


if __name__ == "__main__":
    main()
