"""What every attempt of one run shares (:class:`RunContext`) and what an attempt returns."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from workstream.executor.events import Reason, Status
from workstream.executor.gitops import Git
from workstream.executor.pool import Pool
from workstream.executor.ports import PortPool
from workstream.executor.reaper import Reaper
from workstream.model import Workstream


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How steps are confined: the bubblewrap binary and what it lets a step reach."""

    bwrap: str
    network: bool
    writable: tuple[Path, ...]  # extra directories a step may write (execution/step writable)


@dataclass(frozen=True, slots=True)
class RunContext:
    """What every attempt of one run shares."""

    model: Workstream
    run_id: str
    repo: Git  # the repository's common git dir, no work tree
    repo_root: Path
    git_dir: Path
    worktree_root: Path
    scratch_root: Path  # the executor's own per-run scratch space (indexes, step objects)
    env: Mapping[str, str]  # the base environment of every command
    shell: str
    cancel: threading.Event
    grace: float
    keep_worktrees: bool
    ports: PortPool
    reaper: Reaper  # removes worktrees whose work is recorded, in the background
    pool: Pool | None  # the reused worktrees (execution.reuse), or None: a fresh one per step
    sandbox: SandboxConfig | None
    emit_line: Callable[[str, str], None]  # (step id, line)
    # a step's running process group and its processes' marker (None, "" when it ended)
    on_pid: Callable[[str, int | None, str], None]
    on_worktree: Callable[[str, Path, str], None]  # (step id, worktree, start commit)


@dataclass(frozen=True, slots=True)
class Inputs:
    """Where a step starts: the base, or its dependencies' results (in ``depends_on`` order)."""

    commits: tuple[str, ...]
    owners: tuple[str, ...]  # the dependency each commit comes from ("" for the base)


@dataclass(slots=True)
class AttemptResult:
    """How an attempt ended."""

    status: Status
    message: str
    reason: Reason | None = None
    start_commit: str | None = None
    commit: str | None = None
    worktree: Path | None = None  # set when the worktree is kept
    environment: tuple[str, ...] = ()
    saved_commit: str | None = None  # a failed attempt's changes, saved on its branch
    transcript: Path | None = None  # the tool's conversation, next to the log
    tool_failed: bool = False  # the tool itself failed (not setup, scope or a test)
    score: float | None = None  # a candidate's score (its select.score command printed it)

    @property
    def retryable(self) -> bool:
        """A failure another attempt could fix (not a conflict, a missing tool or a cancel)."""
        return self.status == "failed" and self.reason in ("exit", "timeout", "scope", "error")


def step_branch(model: Workstream, step_id: str) -> str:
    """The branch a step's result lives on."""
    return f"workstream/{model.id}/step/{step_id}"


def result_branch(model: Workstream) -> str:
    """The branch holding the merge of every step's result."""
    return f"workstream/{model.id}/result"
