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
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from workstream.executor import Executor, RunOptions

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
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bench repository")


def executor_run(root: Path, workers: int) -> float:
    start = time.perf_counter()
    result = Executor(root / "bench.workstream.json", RunOptions(max_workers=workers)).run()
    took = time.perf_counter() - start
    assert result.status == "succeeded", result.state.message
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
        print(f"{'':24}{'executor':>12}{'raw git':>12}{'ratio':>8}")
        for workers in (1, WIDTH):
            ours_times: list[float] = []
            raw_times: list[float] = []
            for i in range(args.repeat):  # interleaved, alternating order: load drifts cancel
                pair = [(ours_times, executor_run), (raw_times, baseline_run)]
                for times, fn in pair if i % 2 == 0 else reversed(pair):
                    times.append(fn(root, workers))
            ours, raw = statistics.median(ours_times), statistics.median(raw_times)
            label = f"per step, {workers} worker{'s' if workers > 1 else ''}"
            print(
                f"{label:24}{ours / steps * 1000:>10.1f}ms{raw / steps * 1000:>10.1f}ms"
                f"{ours / raw:>7.2f}x"
            )
        shutil.rmtree(root / ".git" / "raw-worktrees", ignore_errors=True)


if __name__ == "__main__":
    main()
