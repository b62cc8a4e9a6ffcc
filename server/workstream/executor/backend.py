"""Step backends: what runs one attempt of a step, wherever it runs.

The engine plans, schedules, records and merges; a backend runs one attempt (a start point
in; a commit, its log lines and an outcome out) and stops it when the attempt's ``cancel``
event is set. :class:`LocalBackend` runs it here, in a worktree of the user's repository
(:mod:`attempt`); :class:`~workstream.executor.cluster.ClusterBackend` runs it on a Dask
worker, in a worktree of that worker's own clone, and brings the commit back through git.
"""

from __future__ import annotations

from typing import Protocol

from workstream.executor.attempt import run_attempt
from workstream.executor.context import AttemptResult, Inputs, RunContext
from workstream.executor.logs import CappedLog
from workstream.model import Step


class StepBackend(Protocol):
    """Runs attempts of steps; one per run, shared by its worker threads."""

    #: Where steps run, for people ("this machine", "the Dask cluster at tcp://…").
    where: str

    def run_attempt(
        self,
        ctx: RunContext,
        step: Step,
        inputs: Inputs,
        log: CappedLog,
        name: str | None = None,
        branch: str | None = None,
        score: str | None = None,
    ) -> AttemptResult:
        """Run one attempt of ``step`` (a candidate's ``name``, ``branch`` and ``score``);
        never raises for the step's own failure; stops when ``ctx.cancel`` is set."""
        ...

    def close(self) -> None:
        """The run is over: release what the backend holds (connections, remote refs)."""
        ...


class LocalBackend:
    """Every attempt on this machine, in a worktree of the user's repository."""

    where = "this machine"

    def run_attempt(
        self,
        ctx: RunContext,
        step: Step,
        inputs: Inputs,
        log: CappedLog,
        name: str | None = None,
        branch: str | None = None,
        score: str | None = None,
    ) -> AttemptResult:
        """See :meth:`StepBackend.run_attempt`."""
        return run_attempt(ctx, step, inputs, log, name, branch, score)

    def close(self) -> None:
        """Nothing to release."""
