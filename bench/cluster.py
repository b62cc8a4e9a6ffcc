"""Benchmark of the Dask backend beside the local one, measured in the same run.

1. Overhead per step: 16 independent steps, each writing one small file in its scope (so a
   commit travels back from the worker), ``max_workers`` 2, run

   - on this machine (the local backend, the baseline);
   - ``--cluster local:2``: a scheduler and 2 worker processes started by the run (their
     start-up is part of the run);
   - ``--cluster tcp://…`` of the same cluster already running (started once, outside the
     timing): the per-step cost of the backend alone.

   Printed: the wall time per step (the run's wall time / 16) of each, the ratios to the local
   backend (target: the running cluster within 2x), and the cluster's own start-up and
   shut-down, timed alone.
2. Wall time: 8 independent steps that sleep 2 s over 2 workers (``max_workers`` 2), whose
   critical path given 2 workers is 4 × 2 s = 8 s; the ratio of each backend's wall time to it
   (target: <= 1.2).

Each figure is the median of ``--repeat`` interleaved runs (default 3). The workers keep their
cache clones in a temporary ``WORKSTREAM_WORKER_DIR``.
Run: ``python bench/cluster.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from workstream.executor import Executor, RunOptions
from workstream.executor.cluster_local import LocalWorkers

STEPS, SLEEPERS, SLEEP, WORKERS = 16, 8, 2.0, 2


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_repo(root: Path) -> None:
    """A repository holding both workstreams (``noop`` and ``sleepers``), whose ``origin`` is
    a bare repository next to it (the remote of both cluster runs)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.com")
    (root / "README.md").write_text("bench\n")
    (root / "out").mkdir()
    (root / "out" / ".keep").write_text("")
    noop = [
        {"id": f"s{i:02}", "run": f"echo {i} > out/s{i:02}.txt", "files": [f"out/s{i:02}.txt"]}
        for i in range(STEPS)
    ]
    sleepers = [{"id": f"sleep-{i}", "run": f"sleep {SLEEP:g}", "files": []} for i in range(8)]
    for name, steps in (("noop", noop), ("sleepers", sleepers)):
        doc = {"id": f"ws-{name}", "execution": {"max_workers": WORKERS}, "steps": steps}
        (root / f"{name}.workstream.json").write_text(json.dumps(doc, indent=1))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bench repository")
    git(root.parent, "init", "-q", "--bare", "remote.git")  # the remote every worker reaches
    git(root, "remote", "add", "origin", str(root.parent / "remote.git"))


def timed_run(root: Path, name: str, cluster: str | None) -> float:
    start = time.perf_counter()
    result = Executor(root / f"{name}.workstream.json", RunOptions(cluster=cluster)).run()
    took = time.perf_counter() - start
    failed = [f"{k}: {v.message}" for k, v in result.state.steps.items() if v.status != "succeeded"]
    assert result.status == "succeeded", f"{result.state.message}: {failed}"
    return took


def start_cluster() -> tuple[LocalWorkers, float]:
    """The cluster ``local:2`` starts (a scheduler here, 2 ``dask worker`` processes of 1
    thread), started outside a run; the time until both workers joined."""
    import distributed

    dist: Any = distributed  # untyped
    began = time.perf_counter()
    cluster = LocalWorkers(WORKERS, 1, {})
    client = dist.Client(cluster.address)
    try:
        cluster.wait(client, WORKERS)
    finally:
        client.close()
    return cluster, time.perf_counter() - began


def cluster_cost(repeat: int) -> tuple[float, float]:
    """Medians of ``local:2``'s cluster's start-up and of its shut-down, alone."""
    ups: list[float] = []
    downs: list[float] = []
    for _ in range(repeat):
        cluster, up = start_cluster()
        began = time.perf_counter()
        cluster.close()
        ups.append(up)
        downs.append(time.perf_counter() - began)
    return statistics.median(ups), statistics.median(downs)


def interleaved(runs: Mapping[str, Callable[[], float]], repeat: int) -> dict[str, float]:
    """The median of each of ``runs``, run in rotating order so load drifts hit all alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    order = list(runs)
    for i in range(repeat):
        for name in order[i % len(order) :] + order[: i % len(order)]:
            times[name].append(runs[name]())
    return {name: statistics.median(values) for name, values in times.items()}


def measure(
    root: Path, name: str, backends: dict[str, str | None], repeat: int
) -> dict[str, float]:
    """The median wall time of workstream ``name`` on each backend (interleaved runs)."""
    runs = {label: functools.partial(timed_run, root, name, c) for label, c in backends.items()}
    return interleaved(runs, repeat)


def ratios(got: dict[str, float]) -> str:
    """``local:2`` and ``running`` against ``local``."""
    return f"{got['local:2'] / got['local']:>14.2f}x{got['running'] / got['local']:>14.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ws-bench-") as tmp:
        os.environ["WORKSTREAM_WORKER_DIR"] = str(Path(tmp) / "worker")  # the workers inherit it
        root = Path(tmp) / "repo"
        make_repo(root)
        up, down = cluster_cost(args.repeat)
        cluster, _ = start_cluster()
        try:
            address = cluster.address
            timed_run(root, "noop", address)  # the workers' cache clone, made once
            backends: dict[str, str | None] = {
                "local": None,
                "local:2": f"local:{WORKERS}",
                "running": address,
            }
            print(
                f"{STEPS} one-file steps, max_workers {WORKERS}; {SLEEPERS} steps sleeping "
                f"{SLEEP:g} s over {WORKERS} workers; median of {args.repeat}; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            )
            print(f"the cluster of local:{WORKERS} alone: start {up:.2f} s, close {down:.2f} s")
            print(
                f"{'':24}{'local':>10}{'local:2':>10}{'running':>10}{'local:2/local':>15}"
                f"{'running/local':>15}"
            )
            noop = measure(root, "noop", backends, args.repeat)
            cells = "".join(f"{v / STEPS * 1000:>8.0f}ms" for v in noop.values())
            print(f"{'per step (wall / 16)':24}{cells}{ratios(noop)}   target: running <= 2x")
            wall = measure(root, "sleepers", backends, args.repeat)
            cells = "".join(f"{v:>9.2f}s" for v in wall.values())
            print(f"{'8 sleepers: wall':24}{cells}{ratios(wall)}")
            ideal = SLEEPERS / WORKERS * SLEEP
            cells = "".join(f"{v / ideal:>9.2f}x" for v in wall.values())
            print(f"{f'  / ideal ({ideal:g} s)':24}{cells}{'':30}   target <= 1.2x")
        finally:
            cluster.close()


if __name__ == "__main__":
    main()
