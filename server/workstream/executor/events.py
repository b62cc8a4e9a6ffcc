"""The executor's event stream: typed, immutable events that every face renders.

The engine emits these from its own threads (the scheduler and one output reader per running
process); subscribers are called one event at a time, in order, so a renderer never sees two
events at once. Faces translate them: the CLI into rich progress or plain lines, the language
server into ``$/progress`` and ``workstream/stepStatus`` notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

#: The status of a step or of a whole run. ``queued`` and ``running`` are transient.
Status: TypeAlias = Literal["queued", "running", "succeeded", "failed", "skipped", "cancelled"]

STATUSES: tuple[Status, ...] = ("queued", "running", "succeeded", "failed", "skipped", "cancelled")
FINAL_STATUSES: frozenset[Status] = frozenset({"succeeded", "failed", "skipped", "cancelled"})

#: Why a step failed, for faces that distinguish (the language server's WS501-WS503).
Reason: TypeAlias = Literal[
    "exit",  # the tool, setup or an acceptance test exited non-zero
    "timeout",  # the step ran past its timeout; its process group was killed
    "merge_conflict",  # its dependencies' results could not be merged
    "scope",  # it changed files outside its ``files`` scope
    "missing_tool",  # the tool's binary is not on PATH
    "tripwire",  # the user's repository changed while it ran (no sandbox); see the message
    "refused",  # not started: its prompt or files would reach its tool as options
    "error",  # anything else (git failed, a worktree could not be made)
]


@dataclass(frozen=True, slots=True)
class RunStarted:
    """A run began: the steps it will consider, in the order of the file."""

    run_id: str
    workstream_id: str
    steps: tuple[str, ...]
    workers: int
    base_commit: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StepQueued:
    """A step waits for its dependencies or for a free worker."""

    run_id: str
    step_id: str


@dataclass(frozen=True, slots=True)
class StepStarted:
    """A step's attempt started in its worktree (``attempt`` counts from 1)."""

    run_id: str
    step_id: str
    branch: str
    worktree: str
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class StepOutput:
    """One line of output (stdout and stderr merged) of a step's setup, tool or tests."""

    run_id: str
    step_id: str
    line: str


@dataclass(frozen=True, slots=True)
class StepFinished:
    """A step reached a final status.

    ``commit`` is the result commit of a success; ``message`` says what happened in one line
    (the failing command, the files outside the scope, the conflicting files, the failed
    dependency of a skipped step); ``reason`` classifies a failure.
    """

    run_id: str
    step_id: str
    status: Status
    duration_ms: int
    commit: str | None
    log_path: str | None
    message: str
    reason: Reason | None = None
    transcript_path: str | None = None  # an AI tool's conversation, next to the log


@dataclass(frozen=True, slots=True)
class RunFinished:
    """A run ended; ``result_branch`` is set when every step succeeded and was merged."""

    run_id: str
    status: Status
    duration_ms: int
    result_branch: str | None
    result_commit: str | None
    message: str


Event: TypeAlias = RunStarted | StepQueued | StepStarted | StepOutput | StepFinished | RunFinished
