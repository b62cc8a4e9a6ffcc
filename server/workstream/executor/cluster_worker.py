"""The worker's side of a cluster run: one attempt of one step on a Dask worker.

:func:`run_on_worker` is the task the coordinator submits. It fetches the attempt's start
point from the remote into the worker's cache clone (one per remote and worker process, kept
for its later attempts, under ``WORKSTREAM_WORKER_DIR``, else ``~/.cache/workstream/worker``;
see :func:`cache_clone`), runs the attempt
exactly as a local one (:func:`~workstream.executor.attempt.run_attempt`: a fresh worktree of
that clone, the sandbox when bubblewrap works there, the scope check, the acceptance tests),
pushes its commit back to the remote and returns what the coordinator records. Its output
lines stream back as they come (Dask's ``log_event`` on the run's topic, in small batches);
the coordinator sets the attempt's Dask ``Event`` to cancel it, which stops its processes
here. Steps see ``WORKSTREAM_WORKER``, the worker's name.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import itertools
import os
import re
import shutil
import tarfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from workstream.executor.attempt import run_attempt
from workstream.executor.cluster_refs import fetch_into, push
from workstream.executor.cluster_sweep import AttemptFolder, sweep, worker_base
from workstream.executor.commands import in_home, step_home
from workstream.executor.context import AttemptResult, Inputs, RunContext, SandboxConfig
from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, identity_env
from workstream.executor.logs import CappedLog
from workstream.executor.ports import PortPool
from workstream.executor.reaper import Reaper
from workstream.executor.sandbox import find_bwrap
from workstream.executor.tools import user_shell
from workstream.executor.worktrees import clear_path, registered
from workstream.model import Step, Workstream

#: Seconds between two batches of output lines sent to the coordinator.
LINE_BATCH_SECONDS = 0.1
#: The most of a transcript sent back (the rest stays in the worker's log folder).
TRANSCRIPT_LIMIT = 4 * 2**20

_PORTS = PortPool()  # the ports of this worker process's steps
#: This process's clone of each (worker folder, remote) and the lock of its worktrees.
_CLONES: dict[tuple[str, str], tuple[Git, threading.Lock]] = {}
_CLONES_LOCK = threading.Lock()
_SLOTS: list[IO[str]] = []  # the slots of those clones, locked while the process lives


@dataclass(frozen=True, slots=True)
class AttemptSpec:
    """Everything a worker needs for one attempt (pickled to it)."""

    model: Workstream
    run_id: str
    step: Step  # as the attempt runs it (a candidate's changes applied)
    name: str  # the step id, or a candidate's ``<step>@<n>``
    branch: str
    score: str | None
    start: str
    remote: str  # the URL of the git remote
    start_ref: str
    result_ref: str
    saved_ref: str
    env: Mapping[str, str]  # the run's extra environment (--env), over the worker's own
    grace: float
    topic: str  # where output lines go (``Client.subscribe_topic``)
    key: str  # this attempt's key within the run
    cancel_event: str  # the Dask Event that cancels it
    copied: bytes = b""  # execution.copy files, as a tar archive (made by the coordinator)


def cache_clone(base: Path, url: str) -> tuple[Git, threading.Lock]:
    """This worker process's bare clone of ``url``, made once and kept for its later attempts,
    and the lock its threads share for the clone's worktrees and fetches.

    One clone per process, never shared with another process: git's worktree administration
    (``worktree add``, ``prune``, ``list``) is not safe between processes (a ``prune`` removes
    the ``worktrees`` folder another process is adding to), and the workers of a machine, a
    ``local:N`` cluster's for one, share ``WORKSTREAM_WORKER_DIR``. The process holds a slot,
    ``<clone>-<n>.lock``, locked for its lifetime; a slot a dead process held is taken over
    with its clone. Within the process, the lock serialises the clone's worktree
    administration and its fetches (a fetch reads every worktree's HEAD, and fails on one that
    ``worktree add`` is writing)."""
    key = (str(base), url)
    with _CLONES_LOCK:
        known = _CLONES.get(key)
        if known is not None and (known[0].git_dir / "objects").is_dir():  # not cleared since
            return known
        clones = base / "clones"
        clones.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(url.encode()).hexdigest()[:16]
        for slot in itertools.count():
            lock = open(clones / f"{name}-{slot}.lock", "w")  # noqa: SIM115 - held till exit
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            _SLOTS.append(lock)
            break
        path = clones / f"{name}-{slot}.git"
        if not (path / "objects").is_dir():
            Git(clones).run("init", "--quiet", "--bare", str(path))
        env = {**os.environ, **identity_env(Git(path))}
        admin = threading.Lock()
        _CLONES[key] = (Git(path, None, env, admin), admin)
        return _CLONES[key]


class _Lines:
    """A step's output lines, sent to the coordinator in batches of at most 0.1 s."""

    def __init__(self, worker: Any, topic: str, key: str) -> None:
        self._worker, self._topic, self._key = worker, topic, key
        self._batch: list[str] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self.sent = 0
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def line(self, step_id: str, line: str) -> None:
        del step_id
        with self._lock:
            self._batch.append(line)

    def _pump(self) -> None:
        while not self._done.wait(LINE_BATCH_SECONDS):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batch, self._batch = self._batch, []
            if batch:
                self.sent += len(batch)
                self._worker.log_event(
                    self._topic, {"key": self._key, "kind": "lines", "lines": batch}
                )

    def close(self) -> int:
        """Send the rest; the number of lines sent in all."""
        self._done.set()
        self._thread.join()
        self.flush()
        return self.sent


def _watch(
    event: Any, cancel: threading.Event, done: threading.Event, task: tuple[Any, Any]
) -> None:
    """Set ``cancel`` when the coordinator sets the attempt's Dask Event, or when nobody
    wants the task any more (the runner's client is gone: killed, or its connection lost;
    Dask then marks the running task ``cancelled`` here but cannot stop it)."""
    while not done.is_set():
        try:
            if event.wait(timeout=0.5) or not _wanted(task):
                cancel.set()
                return
        except Exception:  # the scheduler is gone: nobody will take this attempt's result
            cancel.set()
            return


def _wanted(task: tuple[Any, Any]) -> bool:
    """False once the scheduler has released ``(worker, key)``, the task running here."""
    worker, key = task
    state = worker.state.tasks.get(key)
    return state is not None and state.state not in ("cancelled", "released", "forgotten")


def run_on_worker(spec: AttemptSpec) -> dict[str, Any]:
    """The Dask task: one attempt, its commits pushed to the remote; what it returns is
    JSON-like (see :func:`workstream.executor.cluster.result_of`)."""
    import distributed  # a worker has it; the coordinator's side needs it only for a cluster

    worker = distributed.get_worker()
    new_event: Any = distributed.Event
    event = new_event(spec.cancel_event, client=distributed.get_client())
    name = str(worker.name)
    lines = _Lines(worker, spec.topic, spec.key)
    worker.log_event(
        spec.topic, {"key": spec.key, "kind": "start", "name": name, "address": worker.address}
    )
    cancel, done = threading.Event(), threading.Event()
    task = (worker, worker.get_current_task())
    watcher = threading.Thread(target=_watch, args=(event, cancel, done, task), daemon=True)
    watcher.start()
    env = {**os.environ, **spec.env, "WORKSTREAM_WORKER": name}
    base = worker_base(env)
    place = base / "runs" / re.sub(r"[^A-Za-z0-9._-]", "_", name) / spec.run_id / spec.key
    result, transcript = AttemptResult("failed", "did not start", "error"), None
    folder: AttemptFolder | None = None
    try:
        repo, admin = cache_clone(base, spec.remote)
        sweep(base, repo)  # what attempts of dead worker processes left here
        local_start = f"refs/workstream/start/{spec.run_id}/{spec.key}"
        folder = AttemptFolder(place, repo.git_dir, [local_start, f"refs/heads/{spec.branch}"])
        with admin:  # not while another attempt's worktree is being added
            if repo.call("cat-file", "-e", f"{spec.start}^{{commit}}")[0] == 0:
                repo.run("update-ref", local_start, spec.start)  # here already: no fetch
            else:
                fetch_into(repo, spec.remote, [(spec.start_ref, local_start)])
        result, transcript = _attempt(spec, repo, folder, env, cancel, lines)
        if _wanted(task):  # else nobody fetches it, and the run's refs may be deleted by now
            push(repo, spec.remote, [(c, r) for c, r in _pushes(spec, result) if c])
        repo.run("update-ref", "-d", local_start)
        repo.call("update-ref", "-d", f"refs/heads/{spec.branch}")
    except (ExecutorError, OSError) as exc:  # git or the disk failing here: one line back
        message = f"on worker {name}: {exc}"
        lines.line(spec.step.id, f"error: {message}")
        result = AttemptResult("failed", message, "error", start_commit=spec.start)
    finally:
        done.set()
        sent = lines.close()
        if folder is not None:
            folder.release()
    return {**_outcome(result), "transcript": transcript, "worker": name, "lines": sent}


def _pushes(spec: AttemptSpec, result: AttemptResult) -> list[tuple[str | None, str]]:
    """What goes back to the remote: the result commit, or a failed attempt's saved work."""
    commit = result.commit if result.commit != spec.start else None
    return [(commit, spec.result_ref), (result.saved_commit, spec.saved_ref)]


def _outcome(result: AttemptResult) -> dict[str, Any]:
    """The result as plain data (its paths are this worker's: none of them travels)."""
    return {
        "status": result.status,
        "message": result.message,
        "reason": result.reason,
        "start_commit": result.start_commit,
        "commit": result.commit,
        "saved_commit": result.saved_commit,
        "environment": list(result.environment),
        "tool_failed": result.tool_failed,
        "score": result.score,
    }


def _read(path: Path | None) -> str | None:
    """A transcript's text (its last :data:`TRANSCRIPT_LIMIT` bytes), or None."""
    if path is None:
        return None
    try:
        with open(path, "rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - TRANSCRIPT_LIMIT))
            return file.read().decode("utf-8", errors="replace")
    except OSError:
        return None


def _attempt(
    spec: AttemptSpec,
    repo: Git,
    folder: AttemptFolder,
    env: dict[str, str],
    cancel: threading.Event,
    lines: _Lines,
) -> tuple[AttemptResult, str | None]:
    """Run the attempt in a fresh worktree of ``repo`` in its ``folder``; leave nothing there.
    Returns its result and its transcript's text."""
    place = folder.path
    execution = spec.model.execution
    sandbox = None
    if execution.sandbox:
        bwrap = find_bwrap()
        if bwrap is not None:
            home = step_home(env)
            writable = tuple(in_home(p, home) for p in execution.writable)
            sandbox = SandboxConfig(bwrap, execution.network, writable)
        else:
            worker = env["WORKSTREAM_WORKER"]
            lines.line(
                spec.step.id,
                f"warning: no usable bubblewrap on worker {worker}: this step runs without "
                "the sandbox",
            )
    sources = place / "copy" / spec.key
    if spec.copied:
        sources.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(spec.copied)) as archive:
            archive.extractall(sources, filter="data")
    reaper = Reaper(repo)
    ctx = RunContext(
        model=spec.model,
        run_id=spec.run_id,
        repo=repo,
        repo_root=sources,
        git_dir=repo.git_dir,
        worktree_root=place / "worktrees",
        scratch_root=place / "scratch",
        env=env,
        shell=user_shell(),
        cancel=cancel,
        grace=spec.grace,
        keep_worktrees=False,
        ports=_PORTS,
        reaper=reaper,
        pool=None,
        sandbox=sandbox,
        emit_line=lines.line,
        on_pid=folder.on_pid,  # its command's marker: a later sweep stops what it leaves
        on_worktree=lambda *_: None,
    )
    (place / "worktrees").mkdir(parents=True, exist_ok=True)
    log_path = place / "logs" / f"{spec.key}.log"
    try:
        with CappedLog(log_path) as log:
            result = run_attempt(
                ctx,
                spec.step,
                Inputs((spec.start,), ("",)),
                log,
                spec.name,
                spec.branch,
                spec.score,
            )
        transcript = _read(result.transcript)
    finally:
        reaper.join()  # a succeeded attempt's worktree, removed by git
        path = ctx.worktree_root / spec.name
        if registered(repo, path):
            clear_path(repo, path)  # a kept worktree: its changes are saved and pushed
        repo.prune()
        shutil.rmtree(sources, ignore_errors=True)
        shutil.rmtree(place / "logs", ignore_errors=True)
        for empty in (ctx.scratch_root, ctx.worktree_root, place / "copy"):
            with contextlib.suppress(OSError):
                empty.rmdir()
    return result, transcript
