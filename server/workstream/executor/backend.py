"""Step backends: what runs one attempt of a step, wherever it runs.

The engine plans, schedules, records and merges; a backend runs one attempt (a start point
in; a commit, its log lines and an outcome out) and stops it when the attempt's ``cancel``
event is set. :class:`LocalBackend` runs it here, in a worktree of the user's repository
(:mod:`attempt`); :class:`~workstream.executor.cluster.ClusterBackend` runs it on a Dask
worker, in a worktree of that worker's own clone, and brings the commit back through git.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from workstream.executor.attempt import run_attempt
from workstream.executor.context import AttemptResult, Inputs, RunContext
from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git
from workstream.executor.logs import CappedLog
from workstream.executor.options import RunOptions
from workstream.executor.plan import Plan
from workstream.executor.target import Target
from workstream.model import Step, Workstream
from workstream.model_values import cluster_problem


class StepBackend(Protocol):
    """Runs attempts of steps; one per run, shared by its worker threads."""

    @property
    def where(self) -> str:
        """Where steps run, for people ("this machine", "the Dask cluster at tcp://…")."""
        ...

    @property
    def remote(self) -> str | None:
        """The git remote the repository travels through (None: it does not travel)."""
        ...

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
    remote: str | None = None

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


def choose_backend(
    target: Target, plan: Plan, options: RunOptions, repo: Git, run_id: str
) -> StepBackend:
    """This machine, or the cluster of ``--cluster`` or ``execution.cluster``: connected now,
    so a bad address fails the run before any step (:class:`ExecutorError`)."""
    model = target.model
    address = options.cluster or model.execution.cluster
    if not address:
        return LocalBackend()
    problem = cluster_problem(address)
    if problem is not None:
        raise ExecutorError(problem)
    if not options.cluster and not address.startswith("local:"):
        # a file may be someone else's: it never picks the scheduler that gets its steps,
        # their execution.copy files and the run's environment, and whose answers the run's
        # Dask client unpickles (tests/cluster/test_hostile_file.py)
        raise ExecutorError(
            f"this workstream file's execution.cluster names the Dask scheduler {address}: "
            "a run sends its steps to a scheduler only when you name it (workstream run "
            f"--cluster {address}, or the editor's cluster setting)"
        )
    from workstream.executor.cluster import ClusterBackend  # imports Dask

    return ClusterBackend(
        address,
        repo,
        target.state_dir.root,
        run_id,
        model.id,
        remote=options.remote,
        workers=plan.workers,
        env=options.env,
        grace=options.kill_grace,
        resources=resources_named(model, plan.steps),
    )


def resources_named(model: Workstream, step_ids: Iterable[str]) -> dict[str, float]:
    """Every Dask resource the steps need, at its largest amount (what each worker of
    ``local:N`` offers)."""
    named: dict[str, float] = {}
    for step_id in step_ids:
        step = model.step(step_id)
        for name, amount in model.resources(step).items() if step else ():
            named[name] = max(named.get(name, 0.0), amount)
    return named
