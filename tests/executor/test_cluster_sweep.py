"""The sweep of a worker's attempt folders (:mod:`workstream.executor.cluster_sweep`), without
Dask: real git clones, real processes. An attempt folder whose holder died goes, with its
worktree, its refs in the clone and its marked processes; a live attempt's folder, another
process's clone's folder and anything that is not a plain folder stay."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.executor.conftest import git
from tests.executor.test_interrupts import alive, wait_for
from workstream.executor.cluster_sweep import AttemptFolder, stop_left_processes, sweep
from workstream.executor.gitops import Git
from workstream.executor.orphans import TOKEN_VAR

#: A process that makes an attempt folder, prints its pid and waits to be killed.
HOLDER = """
import sys, time
from pathlib import Path
from workstream.executor.cluster_sweep import AttemptFolder
folder = AttemptFolder(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
print("ready", flush=True)
time.sleep(600)
"""


def clone_with_commit(root: Path) -> Git:
    """A bare clone holding one commit, as a worker's cache clone does."""
    source = root / "source"
    source.mkdir(parents=True)
    git(source, "init", "-q", "-b", "main")
    (source / "a.txt").write_text("a\n")
    git(source, "add", "a.txt")
    git(source, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "one")
    bare = root / "clones" / "c-0.git"
    git(root, "clone", "-q", "--bare", str(source), str(bare))
    return Git(bare)


def attempt(clone: Git, folder: Path, ref: str) -> None:
    """What an attempt leaves when it is killed: its worktree in the clone and a ref."""
    clone.call("update-ref", ref, "refs/heads/main")
    clone.add_worktree(folder / "worktrees" / "step", "refs/heads/main")


def held(folder: Path, clone: Git, ref: str) -> subprocess.Popen[str]:
    """A live process holding ``folder`` (its attempt is running)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), str(clone.git_dir), ref],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


def marked_sleeper(token: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "600"], env={**os.environ, TOKEN_VAR: token})


def test_a_dead_attempts_folder_goes_a_live_ones_stays(tmp_path: Path) -> None:
    clone = clone_with_commit(tmp_path)
    runs = tmp_path / "runs" / "w1" / "run-1"
    dead, live = runs / "a.1", runs / "b.2"
    dead_holder = held(dead, clone, "refs/workstream/start/run-1/a.1")
    live_holder = held(live, clone, "refs/workstream/start/run-1/b.2")
    sleeper = marked_sleeper("token-of-a")
    try:
        attempt(clone, dead, "refs/workstream/start/run-1/a.1")
        attempt(clone, live, "refs/workstream/start/run-1/b.2")
        (dead / "command").write_text("token-of-a")
        dead_holder.kill()
        dead_holder.wait()
        assert sweep(tmp_path, clone) == [dead]
        assert not dead.exists() and live.is_dir()
        wait_for(lambda: not alive(sleeper.pid), timeout=10)
        assert [w.path for w in clone.worktrees()[1:]] == [live / "worktrees" / "step"]
        refs = git(clone.git_dir, "for-each-ref", "--format=%(refname)", "refs/workstream/")
        assert refs.split() == ["refs/workstream/start/run-1/b.2"]
    finally:
        for process in (dead_holder, live_holder, sleeper):
            process.kill()
            process.wait()


def test_a_folder_being_made_is_never_taken(tmp_path: Path) -> None:
    """Attempts start while others sweep: no sweep ever takes a folder of a live attempt."""
    clone = clone_with_commit(tmp_path)
    taken: list[Path] = []
    folders: list[AttemptFolder] = []
    stop = threading.Event()

    def sweeping() -> None:
        while not stop.is_set():
            taken.extend(sweep(tmp_path, clone))

    sweeper = threading.Thread(target=sweeping)
    sweeper.start()
    try:
        for n in range(200):
            folder = AttemptFolder(tmp_path / "runs" / "w1" / "run-1" / f"s.{n}", clone.git_dir, [])
            folders.append(folder)
            assert folder.path.is_dir()
    finally:
        stop.set()
        sweeper.join()
    assert taken == []
    assert all((f.path / "busy.lock").is_file() for f in folders)
    for folder in folders:
        folder.release()
    assert not (tmp_path / "runs" / "w1").exists()


def test_another_clones_folder_links_and_strays_stay(tmp_path: Path) -> None:
    clone = clone_with_commit(tmp_path)
    other = Git(tmp_path / "clones" / "c-1.git")
    git(tmp_path, "init", "-q", "--bare", str(other.git_dir))
    runs = tmp_path / "runs" / "w1" / "run-1"
    theirs = runs / "theirs.1"
    holder = held(theirs, other, "refs/x")
    holder.kill()
    holder.wait()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    (runs / "link.2").symlink_to(outside, target_is_directory=True)
    young = runs / "young.3"  # no lock yet: an attempt that is starting
    young.mkdir()
    assert sweep(tmp_path, clone) == []
    assert theirs.is_dir() and young.is_dir() and (outside / "keep.txt").is_file()


def test_a_starting_worker_stops_what_dead_attempts_left_running(tmp_path: Path) -> None:
    clone = clone_with_commit(tmp_path)
    folder = tmp_path / "runs" / "w1" / "run-1" / "a.1"
    holder = held(folder, clone, "refs/x")
    sleeper = marked_sleeper("token-left")
    bystander = marked_sleeper("token-live")
    running = tmp_path / "runs" / "w1" / "run-1" / "b.2"
    live = held(running, clone, "refs/y")
    try:
        (folder / "command").write_text("token-left")
        (running / "command").write_text("token-live")
        holder.kill()
        holder.wait()
        started = time.monotonic()
        stop_left_processes(tmp_path)
        assert time.monotonic() - started < 10
        wait_for(lambda: not alive(sleeper.pid), timeout=10)
        assert alive(bystander.pid), "a live attempt's process was stopped"
        assert folder.is_dir()  # its folder goes with the next attempt's sweep (the clone's)
    finally:
        for process in (holder, sleeper, bystander, live):
            process.kill()
            process.wait()
