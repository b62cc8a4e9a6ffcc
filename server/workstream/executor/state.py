"""The state file of a workstream's runs: what ``status``, ``--resume`` and the editor read.

Everything lives inside the repository's git dir, so nothing appears in the user's working
tree::

    <git-common-dir>/workstream/<workstream-id>/
        state.json             the last run, plus the latest entry of steps it did not run
        run.lock               held (flock) by the process running the workstream
        logs/<run-id>/<step>.log
        worktrees/<step>/      worktrees kept for inspection (unless execution.worktree_dir)

The file is rewritten atomically at every change of status, so a runner killed at any moment
leaves a readable file. Liveness comes from the lock, not from the file: the kernel drops an
``flock`` when its holder dies, even by SIGKILL, so :func:`load_state` can tell a run in
progress from an interrupted one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from workstream.executor.events import FINAL_STATUSES, Reason, Status

STATE_VERSION = 1
INTERRUPTED = "the run was interrupted: its runner stopped before the step finished"


@dataclass(slots=True)
class StepState:
    """What the last run that touched a step knows about it."""

    status: Status = "queued"
    run_id: str = ""
    started_at: float | None = None  # epoch seconds
    finished_at: float | None = None
    duration_ms: int | None = None
    fingerprint: str = ""  # hash of the step's definition and tool (for --resume)
    inputs: tuple[str, ...] = ()  # commits its start point was made from (base or deps' results)
    start_commit: str | None = None
    commit: str | None = None  # the result commit of a success
    branch: str | None = None
    log: str | None = None
    message: str = ""
    reason: Reason | None = None
    worktree: str | None = None  # set while the worktree exists (running, or kept)
    pid: int | None = None  # process group of the running command, for clean-up after a crash
    token: str = ""  # the marker in its processes' environment (orphans.TOKEN_VAR), likewise
    attempts: int = 0
    environment: tuple[str, ...] = ()  # files copy/setup made in its worktree (not its result)
    kept_commit: str | None = None  # what a kept worktree holds as the run left it
    transcript: str | None = None  # an AI tool's conversation, next to the log
    saved_commit: str | None = None  # a failed or cancelled step's changes, on its branch
    depends_on: tuple[str, ...] = ()  # its dependencies when it ran (``inputs`` follows them)
    #: a step with candidates: one JSON-ready entry per candidate (executor.candidates)
    candidates: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Every field, JSON-ready (by hand: ``asdict`` deep-copies, and this runs often)."""
        data = {name: getattr(self, name) for name in _STEP_FIELDS}
        data["inputs"] = list(self.inputs)
        data["environment"] = list(self.environment)
        data["depends_on"] = list(self.depends_on)
        data["candidates"] = [dict(c) for c in self.candidates]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepState:
        """Read an entry, ignoring unknown keys (files written by newer versions)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["inputs"] = tuple(values.get("inputs") or ())
        values["environment"] = tuple(values.get("environment") or ())
        values["depends_on"] = tuple(values.get("depends_on") or ())
        values["candidates"] = [c for c in values.get("candidates") or () if isinstance(c, dict)]
        return cls(**values)

    def status_json(self) -> dict[str, Any]:
        """The entry as ``workstream status --format json`` prints it (``status`` adds
        ``freshness`` and ``stale``)."""
        return {
            "status": self.status,
            "duration_ms": self.duration_ms,
            "commit": self.commit,
            "branch": self.branch,
            "log": self.log,
            "transcript": self.transcript,
            "message": self.message,
            "run_id": self.run_id,
            "reason": self.reason,
            "saved_commit": self.saved_commit,
            "worktree": self.worktree,
            "depends_on": list(self.depends_on),
            "candidates": [dict(c) for c in self.candidates],
        }


_STEP_FIELDS = tuple(f.name for f in fields(StepState))


@dataclass(slots=True)
class RunState:
    """The last run of a workstream and the latest entry of every step."""

    run_id: str
    workstream_id: str
    status: Status = "running"
    workstream_file: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    base_commit: str | None = None
    result_branch: str | None = None
    result_commit: str | None = None
    pid: int | None = None
    message: str = ""
    requested: tuple[str, ...] = ()  # the --step ids of the run, when some were given
    result_note: str = ""  # why there is no result branch (or why it was not moved)
    cluster: str | None = None  # the Dask cluster its steps ran on (None: this machine)
    remote: str | None = None  # the git remote a cluster run's refs were pushed to
    steps: dict[str, StepState] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The whole state, as written to ``state.json``."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "steps"}
        data["requested"] = list(self.requested)
        data["version"] = STATE_VERSION
        data["steps"] = {k: v.to_json() for k, v in self.steps.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        """Read a state written by :meth:`to_json`."""
        known = {f.name for f in fields(cls)} - {"steps"}
        values = {k: v for k, v in data.items() if k in known}
        values["requested"] = tuple(values.get("requested") or ())
        raw_steps = data.get("steps") or {}
        steps = {k: StepState.from_json(v) for k, v in raw_steps.items() if isinstance(v, dict)}
        return cls(**values, steps=steps)

    def status_json(self) -> dict[str, Any]:
        """The object ``workstream status --format json`` prints (it adds each step's
        ``freshness``)."""
        return {
            "run_id": self.run_id,
            "workstream_id": self.workstream_id,
            "status": self.status,
            "message": self.message,
            "workstream_file": self.workstream_file,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "requested": list(self.requested),
            "base_commit": self.base_commit,
            "result_branch": self.result_branch,
            "result_commit": self.result_commit,
            "result_note": self.result_note or self.default_result_note(),
            "cluster": self.cluster,
            "remote": self.remote,
            "steps": {k: v.status_json() for k, v in self.steps.items()},
        }

    def default_result_note(self) -> str:
        """Why there is no result branch, for a state written before ``result_note`` existed."""
        if self.result_branch:
            return ""
        if self.status == "running":
            return "the run is still in progress"
        if self.status != "succeeded":
            return f"no result: the run {self.status} ({self.message})"
        return self.message

    @property
    def finished(self) -> bool:
        """True once the run reached a final status."""
        return self.status in FINAL_STATUSES

    def mark_interrupted(self) -> None:
        """Turn a run whose runner died into a consistent, final one (in memory)."""
        for step in self.steps.values():
            if step.status in ("queued", "running") and step.run_id == self.run_id:
                step.status = "cancelled"
                step.message = INTERRUPTED
                step.pid, step.token = None, ""
                for candidate in step.candidates:
                    if candidate.get("status") in ("queued", "running"):
                        candidate.update(status="cancelled", message=INTERRUPTED)
                    candidate.update(pid=None, token="")
        self.status = "cancelled"
        self.message = INTERRUPTED
        self.pid = None


@dataclass(frozen=True, slots=True)
class StateDir:
    """Where one workstream keeps its state, logs and default worktrees."""

    root: Path

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.root / "run.lock"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def worktrees(self) -> Path:
        return self.root / "worktrees"

    def log_file(self, run_id: str, step_id: str) -> Path:
        """The log of one step in one run."""
        return self.logs / run_id / f"{step_id}.log"

    def read(self) -> RunState | None:
        """The stored state as written, or None when there is none (or it is unreadable)."""
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        try:
            return RunState.from_json(data)
        except TypeError:
            return None

    def write(self, state: RunState) -> None:
        """Replace the state file atomically (a reader never sees half a file)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".state-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(json.dumps(state.to_json(), separators=(",", ":")))  # C encoder
            os.replace(tmp, self.state_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def load(self) -> RunState | None:
        """The stored state, with a run whose runner died shown as cancelled."""
        state = self.read()
        if state is not None and not state.finished and not self.locked():
            state.mark_interrupted()
        return state

    def locked(self) -> bool:
        """True while some process holds the run lock (a run is in progress)."""
        try:
            return lock_held(self.lock_file)
        except OSError:
            return False

    @contextlib.contextmanager
    def lock(self, patience: int = 20) -> Iterator[bool]:
        """Hold the run lock; yields False (without holding it) when another run has it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            acquired = _flock_with_patience(fd, patience)
            if acquired:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            yield acquired
        finally:
            os.close(fd)  # closing drops the lock


def lock_held(path: Path, follow: bool = True) -> bool:
    """True while some process holds an ``flock`` on ``path`` (probed with a shared lock, so
    an exclusive holder shows). Raises :class:`OSError` when ``path`` cannot be opened
    (:class:`FileNotFoundError`: there is none; with ``follow`` false, a link is refused)."""
    fd = os.open(path, os.O_RDONLY | (0 if follow else os.O_NOFOLLOW))
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _flock_with_patience(fd: int, attempts: int = 20) -> bool:
    """Take an exclusive lock, tolerating a reader's brief shared lock (see ``locked``)."""
    import time

    for _ in range(attempts):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            time.sleep(0.05)
    return False
