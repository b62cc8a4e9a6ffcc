"""Benchmark of the executor's cost per step, beside the same git work scripted directly.

A repository of 200 files; a workstream of 32 steps in a 4-wide DAG (8 waves of 4; each step
depends on the step above it in its column, so the start point is a dependency's result). Each
step writes one small file inside its scope, so both sides commit once per step. The baseline
is the raw git work for the same DAG run in the same process, one ``git`` process per command:
``git worktree add -b <branch> <path> <start>``, write the file, ``git add -A``,
``git commit``, ``git rev-parse HEAD``, ``git worktree remove``. The executor does all of that
plus the scope check, state file, logs, events and the final merge into the result branch.

Both sides run one step at a time (per-step cost) and then with 4 workers / 4 threads. Prints
the medians of ``--repeat`` interleaved runs and the ratio executor / baseline (target: <= 1.5).
Run: ``python bench/executor_overhead.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from workstream.executor import Executor, RunOptions
from workstream.executor.sandbox import SandboxSpec, find_bwrap, sandbox_argv

WIDTH, DEPTH, FILES = 4, 8, 200


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.com")
    for i in range(FILES):
        path = root / f"src/pkg{i % 10}/module_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'"""Module {i}."""\n\nVALUE = {i}\n' + "# padding\n" * 40)
    steps = []
    for wave in range(DEPTH):
        for column in range(WIDTH):
            step_id = f"s{wave}-{column}"
            steps.append(
                {
                    "id": step_id,
                    "run": f"echo {step_id} > out/{step_id}.txt",
                    "depends_on": [f"s{wave - 1}-{column}"] if wave else [],
                    "files": [f"out/{step_id}.txt"],
                }
            )
    (root / "out").mkdir()
    (root / "out" / ".keep").write_text("")
    doc = {"id": "ws-bench", "execution": {"max_workers": WIDTH}, "steps": steps}
    (root / "bench.workstream.json").write_text(json.dumps(doc, indent=1))
    doc = {"id": "ws-open", "execution": {"max_workers": WIDTH, "sandbox": False}, "steps": steps}
    (root / "open.workstream.json").write_text(json.dumps(doc, indent=1))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bench repository")


def executor_run(root: Path, workers: int, name: str = "bench") -> float:
    start = time.perf_counter()
    result = Executor(root / f"{name}.workstream.json", RunOptions(max_workers=workers)).run()
    took = time.perf_counter() - start
    failed = [f"{k}: {v.message}" for k, v in result.state.steps.items() if v.status == "failed"]
    assert result.status == "succeeded", f"{result.state.message}: {failed}"
    return took


def baseline_step(root: Path, step_id: str, start: str, wt_root: Path) -> str:
    path = wt_root / step_id
    git(root, "worktree", "add", "-q", "-B", f"raw/{step_id}", str(path), start)
    (path / "out" / f"{step_id}.txt").write_text(f"{step_id}\n")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", step_id)
    commit = git(path, "rev-parse", "HEAD").strip()
    git(root, "worktree", "remove", "--force", str(path))
    return commit


def baseline_run(root: Path, workers: int) -> float:
    """The raw git work of the same DAG; with workers > 1, one thread per column."""
    wt_root = root / ".git" / "raw-worktrees"
    base = git(root, "rev-parse", "HEAD").strip()
    lock = threading.Lock()  # git's own worktree admin is not safe to race, as in the executor

    def column(c: int) -> None:
        start = base
        for wave in range(DEPTH):
            step_id = f"s{wave}-{c}"
            if workers == 1:
                start = baseline_step(root, step_id, start, wt_root)
                continue
            path = wt_root / step_id
            with lock:
                git(root, "worktree", "add", "-q", "-B", f"raw/{step_id}", str(path), start)
            (path / "out" / f"{step_id}.txt").write_text(f"{step_id}\n")
            git(path, "add", "-A")
            git(path, "commit", "-q", "-m", step_id)
            start = git(path, "rev-parse", "HEAD").strip()
            with lock:
                git(root, "worktree", "remove", "--force", str(path))

    began = time.perf_counter()
    if workers == 1:
        heads = [base] * WIDTH
        for wave in range(DEPTH):  # wave by wave, like a one-worker schedule
            for c in range(WIDTH):
                heads[c] = baseline_step(root, f"s{wave}-{c}", heads[c], wt_root)
    else:
        threads = [threading.Thread(target=column, args=(c,)) for c in range(WIDTH)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    steps = WIDTH * DEPTH
    with tempfile.TemporaryDirectory(prefix="ws-bench-") as tmp:
        root = Path(tmp) / "repo"
        make_repo(root)
        files = len(git(root, "ls-files").split())
        print(
            f"{steps} steps ({WIDTH} wide, {DEPTH} deep) on a repository of {files} files; "
            f"median of {args.repeat}"
        )
        print(
            f"{'':24}{'sandboxed':>12}{'no sandbox':>12}{'raw git':>12}"
            f"{'sandboxed/raw':>15}{'open/raw':>10}"
        )
        for workers in (1, WIDTH):
            times: dict[str, list[float]] = {"ours": [], "open": [], "raw": []}
            runs: list[tuple[str, Callable[[], float]]] = [
                ("ours", functools.partial(executor_run, root, workers)),
                ("open", functools.partial(executor_run, root, workers, "open")),
                ("raw", functools.partial(baseline_run, root, workers)),
            ]
            for i in range(args.repeat):  # interleaved, rotating order: load drifts cancel
                for name, fn in runs[i % 3 :] + runs[: i % 3]:
                    times[name].append(fn())
            ours, open_, raw = (statistics.median(times[k]) for k in ("ours", "open", "raw"))
            label = f"per step, {workers} worker{'s' if workers > 1 else ''}"
            print(
                f"{label:24}{ours / steps * 1000:>10.1f}ms{open_ / steps * 1000:>10.1f}ms"
                f"{raw / steps * 1000:>10.1f}ms{ours / raw:>14.2f}x{open_ / raw:>9.2f}x"
            )
        sandbox_cost(root)
        shutil.rmtree(root / ".git" / "raw-worktrees", ignore_errors=True)


def sandbox_cost(root: Path, repeat: int = 40) -> None:
    """One no-op command (``sh -c true``) plainly and under the sandbox, side by side."""
    bwrap = find_bwrap()
    if bwrap is None:
        print("bubblewrap is not available: no sandbox figure")
        return
    spec = SandboxSpec(worktree=root, readable=(root / ".git",))
    plain_argv = ["/bin/sh", "-c", "true"]
    wrapped = sandbox_argv(bwrap, spec, plain_argv)
    plain: list[float] = []
    boxed: list[float] = []
    for _ in range(repeat):
        for times, argv in ((plain, plain_argv), (boxed, wrapped)):
            began = time.perf_counter()
            subprocess.run(argv, check=True, cwd=root)
            times.append(time.perf_counter() - began)
    a, b = statistics.median(plain), statistics.median(boxed)
    print(
        f"one no-op command, median of {repeat}: {a * 1000:.1f} ms plain, {b * 1000:.1f} ms in "
        f"the sandbox: the sandbox adds {(b - a) * 1000:.1f} ms per command ({b / a:.1f}x)"
    )


if __name__ == "__main__":
    main()
