"""Benchmark of the tripwire: one snapshot of a 5,000-file repository beside ``git status``.

Without a sandbox the executor snapshots the user's repository after every step
(:func:`workstream.executor.tripwire.snapshot`: HEAD, index, refs, config, hooks, status with
hashes of changed files, ignored files, linked worktrees, git files around them). The
baseline is ``git status --porcelain`` alone on the same repository in the same run; both
interleaved, median of ``--repeat``. Measured twice: the plain repository, then with what a
real one holds besides (an ignored ``.env``, an ignored ``node_modules`` of 20,000 files and a
``.venv`` of 5,000: the ignored-file fingerprint is capped, see
:mod:`workstream.executor.watchlist`; and one linked worktree of the user), then with a
``__pycache__`` per package (5,000 ``.pyc``, watched).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from workstream.executor.tripwire import snapshot

FILES = 5000


def make_repo(root: Path) -> None:
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for i in range(FILES):
        path = root / f"src/pkg{i % 50}/module_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE = {i}\n" * 20)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "x"],
        check=True,
    )
    for i in range(20):  # a few changes of the user's, as a real tree has
        (root / f"src/pkg0/module_{i * 50}.py").write_text("changed\n")
    (root / "notes.txt").write_text("untracked\n")


def add_surroundings(root: Path) -> None:
    """Ignored files (a .env, node_modules, .venv) and a linked worktree of the user's."""
    (root / ".gitignore").write_text(".env\nnode_modules/\n.venv/\n")
    (root / ".env").write_text("TOKEN=x\n")
    for folder, count in (("node_modules", 20000), (".venv/lib", 5000)):
        for i in range(count):
            path = root / folder / f"pkg{i % 200}" / f"f{i}.js"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x")
    subprocess.run(
        ["git", "-C", str(root), "worktree", "add", "-q", str(root.parent / "other"), "HEAD"],
        check=True,
    )


def add_pycache(root: Path) -> None:
    """A ``__pycache__`` per package of the user's sources (ignored, 5,000 ``.pyc`` in all):
    the tripwire watches their ``.pyc`` files (a forged one runs instead of its source)."""
    with (root / ".gitignore").open("a") as ignore:
        ignore.write("__pycache__/\n")
    for i in range(FILES):
        path = root / f"src/pkg{i % 50}/__pycache__/module_{i}.cpython-312.pyc"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 200)


def measure(root: Path, repeat: int) -> tuple[float, float]:
    ours: list[float] = []
    status: list[float] = []
    for _ in range(repeat):
        began = time.perf_counter()
        snapshot(root, root / ".git", ignore_ref_prefix="refs/heads/workstream/x/")
        ours.append(time.perf_counter() - began)
        began = time.perf_counter()
        subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"], check=True, capture_output=True
        )
        status.append(time.perf_counter() - began)
    return statistics.median(ours), statistics.median(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ws-bench-") as tmp:
        root = Path(tmp) / "repo"
        make_repo(root)
        a, b = measure(root, args.repeat)
        print(f"{FILES} files, 21 changed; median of {args.repeat}")
        print(f"tripwire snapshot {a * 1000:.1f} ms, git status {b * 1000:.1f} ms: {a / b:.2f}x")
        add_surroundings(root)
        a, b = measure(root, args.repeat)
        print("with .env, node_modules (20,000 files), .venv (5,000) ignored, a linked worktree")
        print(f"tripwire snapshot {a * 1000:.1f} ms, git status {b * 1000:.1f} ms: {a / b:.2f}x")
        add_pycache(root)
        a, b = measure(root, args.repeat)
        print("and a __pycache__ per package (5,000 .pyc files, ignored)")
        print(f"tripwire snapshot {a * 1000:.1f} ms, git status {b * 1000:.1f} ms: {a / b:.2f}x")


if __name__ == "__main__":
    main()
