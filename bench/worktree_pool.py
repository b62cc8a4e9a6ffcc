"""Benchmark of the per-step cost of a step's worktree against the repository's size.

Generated repositories of 5,000 and 20,000 files (under a temporary folder); a workstream of
``--steps`` independent steps, each writing one file inside its scope, run one at a time
(``max_workers`` 1: the per-step cost, nothing overlaps) through the executor's API, once per
``execution.reuse`` mode:

- ``false``: a fresh worktree per step (checkout of every file, removal after);
- ``"clean"``: the pool, the worktree moved to the next start point by git's own checkout,
  untracked and ignored files removed between steps;
- ``"keep-ignored"``: the pool, ignored files kept.

Beside them, in the same run, plain git doing what a fresh worktree costs (``git worktree
add``, write the file, ``git add``, ``git commit``, ``git worktree remove``, per step) and the
plumbing floor: the same one-file commit per step with no worktree at all (``git hash-object
-w``, ``git update-index --cacheinfo`` on a temporary index read from the base, ``git
write-tree``, ``git commit-tree``). Then setup-cache reuse: the same steps with a ``setup``
that builds a small ``.venv`` (``python -m venv --without-pip``) when there is none, fresh
(once per step) against ``keep-ignored`` (once per pooled worktree). And per additional
step: a run's cost less a one-step run's, over the other steps, so what a run pays once (its
start, the pool's first checkout of every file, the final merge) is left out; and a whole
run on the pool an earlier run left ("next run, warm pool": the pool outlives its run, so
only the first run of a workstream pays the checkout of every file). Interleaved
runs, medians of ``--repeat``; ratios against the floor.
Run: ``python bench/worktree_pool.py [--steps N] [--repeat N] [--sizes 5000,20000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workstream.executor import Executor, RunOptions

#: (label, value of execution.reuse) of each executor mode measured.
MODES: list[tuple[str, object]] = [
    ("fresh", False),
    ("clean", "clean"),
    ("keep-ignored", "keep-ignored"),
]
SETUP = f"test -d .venv || {sys.executable} -m venv --without-pip .venv"


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env, input=stdin
    ).stdout


def make_repo(root: Path, files: int, steps: int) -> None:
    """A repository of ``files`` small files in folders of 100, and the workstreams."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.com")
    for i in range(files):
        path = root / f"src/pkg{i // 100}/module_{i}.py"
        if i % 100 == 0:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'"""Module {i}."""\n\nVALUE = {i}\n')
    (root / ".gitignore").write_text(".venv/\n__pycache__/\n")
    (root / "out").mkdir()
    (root / "out" / ".keep").write_text("")
    steps_doc = [
        {"id": f"s{i}", "run": f"echo s{i} > out/s{i}.txt", "files": [f"out/s{i}.txt"]}
        for i in range(steps)
    ]
    one = {"id": "s0", "run": "echo s0 > out/s0.txt", "files": ["out/s0.txt"]}
    for label, reuse in MODES:
        single: dict[str, object] = {"id": f"ws-{label}-one", "steps": [one]}
        single["execution"] = {"max_workers": 1, "reuse": reuse}
        (root / f"{label}-one.workstream.json").write_text(json.dumps(single))
        for setup in (False, True):
            execution: dict[str, object] = {"max_workers": 1}
            execution["reuse"] = reuse
            if setup:
                execution["setup"] = SETUP
            ws_id = f"ws-{label}{'-setup' if setup else ''}"
            doc = {"id": ws_id, "execution": execution, "steps": steps_doc}
            name = f"{label}{'-setup' if setup else ''}.workstream.json"
            (root / name).write_text(json.dumps(doc, indent=1))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bench repository")


def executor_run(root: Path, name: str) -> float:
    """One whole run; seconds."""
    began = time.perf_counter()
    result = Executor(root / f"{name}.workstream.json", RunOptions()).run()
    took = time.perf_counter() - began
    failed = [f"{k}: {v.message}" for k, v in result.state.steps.items() if v.status == "failed"]
    assert result.status == "succeeded", f"{result.state.message}: {failed}"
    return took


def plumbing_run(root: Path, steps: int) -> float:
    """The floor: each step's one-file commit made with plumbing only, no worktree."""
    base = git(root, "rev-parse", "HEAD").strip()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ws-floor-") as tmp:
        for i in range(steps):
            env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / f"s{i}.index")}
            git(root, "read-tree", base, env=env)
            blob = git(root, "hash-object", "-w", "--stdin", stdin=f"s{i}\n").strip()
            entry = f"100644,{blob},out/s{i}.txt"
            git(root, "update-index", "--add", "--cacheinfo", entry, env=env)
            tree = git(root, "write-tree", env=env).strip()
            commit = git(root, "commit-tree", tree, "-p", base, stdin=f"s{i}\n").strip()
            git(root, "update-ref", f"refs/heads/floor/s{i}", commit)
    return time.perf_counter() - began


def plain_git_run(root: Path, steps: int) -> float:
    """Plain git per step: a worktree added, the file written and committed, removed."""
    base = git(root, "rev-parse", "HEAD").strip()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ws-plain-") as tmp:
        for i in range(steps):
            path = Path(tmp) / f"s{i}"
            git(root, "worktree", "add", "-q", "--detach", str(path), base)
            (path / "out" / f"s{i}.txt").write_text(f"s{i}\n")
            git(path, "add", "-A")
            git(path, "commit", "-q", "-m", f"s{i}")
            git(
                root, "update-ref", f"refs/heads/plain/s{i}", git(path, "rev-parse", "HEAD").strip()
            )
            git(root, "worktree", "remove", "--force", str(path))
    return time.perf_counter() - began


def clean_between(root: Path) -> None:
    """Remove what a run kept (the pool's worktrees) so every run starts alike."""
    from workstream.executor.clean import clean
    from workstream.executor.target import load_target

    for label, _ in MODES:
        for suffix in ("", "-setup", "-one"):
            clean(load_target(root / f"{label}{suffix}.workstream.json"), force=True)


def measure(root: Path, steps: int, repeat: int) -> dict[str, float]:
    """Median seconds per step of every mode and the floor, interleaved."""
    names = ["floor", "plain"] + [label for label, _ in MODES]
    names += [f"{label}-one" for label, _ in MODES] + [f"{label}-setup" for label, _ in MODES]
    names += [f"{label}-warm" for label, reuse in MODES if reuse]
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeat):  # rotating order: drifts of the machine's load cancel
        for name in names[i % len(names) :] + names[: i % len(names)]:
            if name == "floor":
                times[name].append(plumbing_run(root, steps))
            elif name == "plain":
                times[name].append(plain_git_run(root, steps))
            elif name.endswith("-warm"):  # the pool an earlier run left: a whole run on it
                executor_run(root, name[: -len("-warm")])
                times[name].append(executor_run(root, name[: -len("-warm")]))
                clean_between(root)
            else:
                times[name].append(executor_run(root, name))
                clean_between(root)
    out = {name: statistics.median(values) / steps for name, values in times.items()}
    for label, _ in MODES:  # per additional step: the run less a one-step run
        one = statistics.median(times.pop(f"{label}-one"))
        out[f"{label}-more"] = (statistics.median(times[label]) - one) / max(1, steps - 1)
        del out[f"{label}-one"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sizes", default="5000,20000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="ws-pool-bench-") as tmp:
        print(
            f"{args.steps} independent one-file steps, 1 worker, sandboxed; per step, "
            f"median of {args.repeat} interleaved runs; ratio to the plumbing floor"
        )
        results = {}
        for files in sizes:
            root = Path(tmp) / f"repo-{files}"
            make_repo(root, files, args.steps)
            results[files] = measure(root, args.steps, args.repeat)
        header = f"{'':40}" + "".join(f"{f'{n:,} files':>22}" for n in sizes)
        print(header)
        rows = [("plumbing floor (no worktree)", "floor")]
        rows += [("plain git: worktree add, commit, remove", "plain")]
        rows += [(f"reuse: {json.dumps(reuse)}", label) for label, reuse in MODES]
        rows += [(f"  per additional step, {json.dumps(r)}", f"{lb}-more") for lb, r in MODES]
        rows += [(f"  next run, warm pool, {json.dumps(r)}", f"{lb}-warm") for lb, r in MODES if r]
        rows += [(f"  + setup .venv, reuse: {json.dumps(r)}", f"{lb}-setup") for lb, r in MODES]
        for title, name in rows:
            cells = ""
            for files in sizes:
                value, floor = results[files][name], results[files]["floor"]
                cells += f"{value * 1000:>12.0f} ms {value / floor:>6.1f}x"
            print(f"{title:40}{cells}")


if __name__ == "__main__":
    main()
