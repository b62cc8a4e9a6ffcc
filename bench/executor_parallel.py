"""Benchmark of parallelism: how close a run gets to its critical path.

1. Eight independent steps that each sleep 2 s, ``max_workers`` 8: the wall time of the run
   beside the critical path (2 s); target ratio <= 1.2.
2. The seed's example 02 (three aider steps) with a stand-in aider that takes 2 s: the run
   with ``max_workers`` 3 beside the same run with ``max_workers`` 1, measured in the same
   process; target speed-up >= 2.5x.

Each figure is the median of ``--repeat`` runs (default 3).
Run: ``python bench/executor_parallel.py [--repeat N]``.
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

from workstream.commands.demo import write_standin_aider
from workstream.executor import Executor, RunOptions

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_repo(root: Path) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.com")
    (root / "README.md").write_text("bench\n")
    (root / ".gitignore").write_text("__pycache__/\n")


def timed_run(path: Path, options: RunOptions) -> float:
    start = time.perf_counter()
    result = Executor(path, options).run()
    took = time.perf_counter() - start
    assert result.status == "succeeded", result.state.message
    return took


def sleepers(tmp: Path, repeat: int) -> None:
    root = tmp / "sleepers"
    make_repo(root)
    steps = [{"id": f"sleep-{i}", "run": "sleep 2", "files": []} for i in range(8)]
    doc = {"id": "ws-sleepers", "execution": {"max_workers": 8}, "steps": steps}
    path = root / "sleepers.workstream.json"
    path.write_text(json.dumps(doc))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sleepers")
    wall = statistics.median(timed_run(path, RunOptions()) for _ in range(repeat))
    print(
        f"8 steps sleeping 2 s, max_workers 8: wall {wall:.2f} s, critical path 2.00 s, "
        f"ratio {wall / 2.0:.2f} (target <= 1.2)"
    )


def seed_example(tmp: Path, repeat: int) -> None:
    root = tmp / "seed"
    make_repo(root)
    shutil.copy(SAMPLES / "02-parallel-execution.workstream.json", root / "ws.json")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "seed example 02")
    bin_dir = write_standin_aider(tmp / "bin").parent
    search = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = {"PATH": search, "AIDER_DELAY": "2"}
    ones: list[float] = []
    threes: list[float] = []
    for _ in range(repeat):  # interleaved, so a burst of load hits both sides alike
        ones.append(timed_run(root / "ws.json", RunOptions(max_workers=1, env=env)))
        threes.append(timed_run(root / "ws.json", RunOptions(max_workers=3, env=env)))
    one, three = statistics.median(ones), statistics.median(threes)
    print(
        f"seed example 02, stand-in aider 2 s: max_workers 1 {one:.2f} s, max_workers 3 "
        f"{three:.2f} s, speed-up {one / three:.2f}x (target >= 2.5x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ws-bench-") as tmp:
        sleepers(Path(tmp), args.repeat)
        seed_example(Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
