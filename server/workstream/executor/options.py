"""What a caller asks of a run (:class:`RunOptions`) and what it gets back (:class:`RunResult`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from workstream.executor.events import Status
from workstream.executor.state import RunState


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Options of one run; every field has the default a plain ``workstream run`` uses."""

    #: Run only these steps, plus whichever of their dependencies lack an up-to-date success.
    steps: tuple[str, ...] = ()
    #: Override ``execution.max_workers`` (``parallel: false`` still means one at a time).
    max_workers: int | None = None
    #: Skip steps whose definition, tool and start point are unchanged since they succeeded.
    resume: bool = False
    #: Keep the worktrees of succeeded steps too (failed ones are always kept).
    keep_worktrees: bool = False
    #: Stop launching steps after the first failure (also ``execution.fail_fast``).
    fail_fast: bool = False
    #: Seconds between SIGTERM and SIGKILL when a step's process group is stopped.
    kill_grace: float = 5.0
    #: Extra environment for every command, over the process environment.
    env: Mapping[str, str] = field(default_factory=dict)
    #: Run the steps on a Dask cluster: a scheduler address or ``local:N`` (over
    #: ``execution.cluster``); None: as the file says, else on this machine.
    cluster: str | None = None
    #: The git remote (a name or URL) every worker reaches; None: ``origin``.
    remote: str | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of :meth:`Executor.run`: the final state, as the state file holds it."""

    run_id: str
    status: Status
    state: RunState
    result_branch: str | None
    result_commit: str | None

    @property
    def ok(self) -> bool:
        """True when every selected step succeeded (the CLI's exit code 0)."""
        return self.status == "succeeded"
