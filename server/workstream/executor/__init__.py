"""The executor: runs a workstream's DAG in parallel git worktrees and reports through events.

Pure of LSP. The public API, used by the CLI and the language server alike::

    from workstream.executor import Executor, RunOptions, StepFinished

    executor = Executor(Path("plan.workstream.json"), RunOptions(steps=("step-02",)))
    executor.subscribe(print)          # called from the executor's threads, one event at a time
    result = executor.run()            # blocks; executor.cancel() from any thread stops it
    state = load_state(Path("plan.workstream.json"))   # the last run, survives restarts

:class:`Executor` raises :class:`ExecutorError` (a one-line message) when a run cannot
start: no file, no repository, a workstream with errors (:class:`WorkstreamInvalid`, holding
the findings), an unknown ``--step``, a run already in progress.
"""

from __future__ import annotations

from workstream.executor.engine import Executor, load_state
from workstream.executor.errors import ExecutorError, WorkstreamInvalid
from workstream.executor.events import (
    FINAL_STATUSES,
    STATUSES,
    Event,
    Reason,
    RunFinished,
    RunStarted,
    Status,
    StepFinished,
    StepOutput,
    StepQueued,
    StepStarted,
)
from workstream.executor.options import RunOptions, RunResult
from workstream.executor.plan import Plan, make_plan
from workstream.executor.state import RunState, StepState

__all__ = [
    "FINAL_STATUSES",
    "STATUSES",
    "Event",
    "Executor",
    "ExecutorError",
    "Plan",
    "Reason",
    "RunFinished",
    "RunOptions",
    "RunResult",
    "RunStarted",
    "RunState",
    "Status",
    "StepFinished",
    "StepOutput",
    "StepQueued",
    "StepStarted",
    "StepState",
    "WorkstreamInvalid",
    "load_state",
    "make_plan",
]
