"""The ledger of one run: its state file, its events, and what each step's entry says.

:class:`Ledger` is the half of :class:`~workstream.executor.engine.Executor` that keeps
books: it seeds the steps' entries, records what attempts report, decides whether an earlier
success can be reused (``--resume``), writes the state file atomically at every change and
emits the typed events subscribers render. It also concludes the run: the result branch,
never moved while someone has it checked out.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from workstream.executor.context import Inputs, result_branch, step_branch
from workstream.executor.events import Event, Status, StepFinished, StepOutput, StepStarted
from workstream.executor.gitops import Git
from workstream.executor.options import RunOptions
from workstream.executor.plan import Plan
from workstream.executor.scheduler import Done
from workstream.executor.state import RunState, StepState
from workstream.executor.target import Target
from workstream.executor.tools import fingerprint

Subscriber = Callable[[Event], None]


class Ledger:
    """State and events of one run (the base of :class:`Executor`)."""

    def __init__(self, target: Target, plan: Plan, options: RunOptions, run_id: str) -> None:
        self.target = target
        self.model = target.model
        self.plan = plan
        self.options = options
        self.run_id = run_id
        self._subscribers: list[Subscriber] = []
        self._subscribers_lock = threading.Lock()
        self._emit_lock = threading.Lock()
        self._lock = threading.RLock()  # guards the state
        self._state = RunState(run_id, self.model.id, requested=plan.requested)
        self._previous: RunState | None = None
        self._refs: dict[str, str] = {}
        self._cancel = threading.Event()
        self._timed_out = threading.Event()  # the run's own timeout (execution.timeout) passed

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` with every event (from any thread, one at a time, in order).

        Returns a function that unsubscribes. A callback that raises is ignored.
        """
        with self._subscribers_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._subscribers_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _seed_steps(self) -> None:
        """Fresh entries for the planned steps; others keep their latest entry."""
        previous = self._previous.steps if self._previous is not None else {}
        planned = set(self.plan.steps)
        for step in self.model.steps:
            if not step.id or step.id in self._state.steps:
                continue
            old = previous.get(step.id)
            if step.id not in planned:
                if old is not None:
                    self._state.steps[step.id] = old
                continue
            self._state.steps[step.id] = StepState(
                status="queued",
                run_id=self.run_id,
                fingerprint=fingerprint(self.model, step),
                branch=step_branch(self.model, step.id),
                depends_on=tuple(d for d in self.model.expand(step.depends_on) if d != step.id),
                # a worktree kept by an earlier run stays known until this run replaces it
                worktree=old.worktree if old is not None else None,
                environment=old.environment if old is not None else (),
                kept_commit=old.kept_commit if old is not None else None,
            )

    def status(self, step_id: str) -> Status:
        """A step's current status."""
        return self._state.steps[step_id].status

    def inputs(self, step_id: str, deps: list[str]) -> Inputs:
        """Where a step starts: the base or its dependencies' results."""
        if not deps:
            return Inputs((self._state.base_commit or "",), ("",))
        commits = tuple(self._state.steps[d].commit or "" for d in deps)
        return Inputs(commits, tuple(deps))

    def reuse(self, step_id: str, inputs: Inputs) -> bool:
        """Keep an up-to-date earlier success instead of running the step again."""
        wanted = self.options.resume or (
            bool(self.options.steps) and step_id not in self.options.steps
        )
        old = self._previous.steps.get(step_id) if self._previous is not None else None
        if not wanted or old is None or old.status != "succeeded" or not old.commit:
            return False
        entry = self._state.steps[step_id]
        if old.fingerprint != entry.fingerprint or old.inputs != inputs.commits:
            return False
        if self._refs.get(f"refs/heads/{step_branch(self.model, step_id)}") != old.commit:
            return False
        with self._lock:
            kept = replace(old, message=f"up to date since run {old.run_id}; not run again")
            self._state.steps[step_id] = kept
            self._save()
        self._emit(
            StepFinished(
                self.run_id,
                step_id,
                "succeeded",
                kept.duration_ms or 0,
                kept.commit,
                kept.log,
                kept.message,
            )
        )
        return True

    def finish(self, step_id: str, status: Status, message: str) -> None:
        """A step that never started reaches a final status."""
        with self._lock:
            entry = self._state.steps[step_id]
            entry.status = status
            entry.message = message
            entry.reason = None
            entry.duration_ms = 0
            entry.commit = None
            entry.saved_commit = None
            self._save()
        self._emit(StepFinished(self.run_id, step_id, status, 0, None, None, message, None))

    def _started_attempt(self, step_id: str, attempt: int, log_path: Path) -> None:
        worktree = self.target.worktree_root / step_id
        with self._lock:
            entry = self._state.steps[step_id]
            entry.status = "running"
            entry.attempts = attempt
            entry.started_at = entry.started_at or time.time()
            entry.log = str(log_path)
            self._save()
        self._emit(
            StepStarted(
                self.run_id, step_id, step_branch(self.model, step_id), str(worktree), attempt
            )
        )

    def _on_worktree(self, step_id: str, path: Path, start: str) -> None:
        """An attempt made its worktree: record it before the step runs (for recovery)."""
        with self._lock:
            entry = self._state.steps[step_id]
            entry.worktree = str(path)
            entry.start_commit = start
            entry.kept_commit = None
            entry.environment = ()
            self._save()

    def _on_pid(self, step_id: str, pid: int | None, token: str) -> None:
        with self._lock:
            self._state.steps[step_id].pid = pid
            self._state.steps[step_id].token = token
            if pid is not None:  # only worth a write when a crash would need it
                self._save()

    def note(self, step_id: str, text: str) -> None:
        """A line about a step that has not started yet (e.g. why it is held back)."""
        self._emit(StepOutput(self.run_id, step_id, text))

    def _record(self, done: Done) -> None:
        result = done.result
        with self._lock:
            entry = self._state.steps[done.step_id]
            entry.status = result.status
            entry.finished_at = time.time()
            entry.duration_ms = ms(time.monotonic() - done.started)
            entry.inputs = self._inputs_of(done.step_id)
            entry.start_commit = result.start_commit
            entry.commit = result.commit if result.status == "succeeded" else None
            entry.saved_commit = result.saved_commit if result.status != "succeeded" else None
            entry.message = result.message
            entry.reason = result.reason
            entry.worktree = str(result.worktree) if result.worktree else None
            entry.kept_commit = (
                (result.saved_commit or result.commit or result.start_commit)
                if result.worktree
                else None
            )
            entry.environment = result.environment
            entry.transcript = str(result.transcript) if result.transcript else None
            entry.pid = None
            self._save()
        self._emit(
            StepFinished(
                self.run_id,
                done.step_id,
                entry.status,
                entry.duration_ms or 0,
                entry.commit,
                entry.log,
                entry.message,
                entry.reason,
                entry.transcript,
            )
        )

    def _inputs_of(self, step_id: str) -> tuple[str, ...]:
        step = self.model.step(step_id)
        assert step is not None
        deps = [d for d in self.model.expand(step.depends_on) if d in self._state.steps]
        if not deps:
            return (self._state.base_commit or "",)
        return tuple(self._state.steps[d].commit or "" for d in deps)

    def _conclude(self, repo: Git) -> tuple[Status, str]:
        """The run's status and message; the result branch when every step succeeded."""
        entries = [self._state.steps[s] for s in self.plan.steps]
        counts: dict[str, int] = {}
        for entry in entries:
            counts[entry.status] = counts.get(entry.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in counts.items())
        state = self._state
        branch = result_branch(self.model)
        if self._timed_out.is_set():
            limit = run_timeout_text(self.model.execution.timeout)
            state.result_note = (
                f"no result: the run timed out after {limit}; {branch} was not touched"
            )
            return "failed", f"timed out after {limit}: {summary}"
        if self._cancel.is_set():
            state.result_note = f"no result: the run was cancelled; {branch} was not touched"
            return "cancelled", f"cancelled: {summary}"
        if counts.get("succeeded", 0) != len(entries):
            state.result_note = f"no result: not every step succeeded; {branch} was not touched"
            return "failed", summary
        if self.plan.requested:
            state.result_note = (
                f"not updated: a run of some steps (--step) leaves {branch} as the last full "
                "run made it"
            )
            return "succeeded", f"{summary}; {branch} is only updated by a full run"
        commits = [e.commit for e in entries if e.commit]
        merged = repo.merge(commits, f"workstream {self.model.id}: result of run {self.run_id}")
        if merged.commit is None:
            files = ", ".join(merged.conflicts)
            state.result_note = f"no result: the steps' results conflict in: {files}"
            return "failed", f"{summary}, but their results conflict in: {files}"
        self._state.result_commit = merged.commit
        where = repo.checked_out().get(f"refs/heads/{branch}")
        if where is not None:
            state.result_note = (
                f"not moved: {branch} is checked out in {where}; the result is {merged.commit[:12]}"
            )
            return "succeeded", (
                f"{summary}; the result is {merged.commit[:12]}, but {branch} is checked out in "
                f"{where}, so it was not moved (there: git merge --ff-only {merged.commit[:12]})"
            )
        repo.set_branch(branch, merged.commit, f"workstream: run {self.run_id}")
        self._state.result_branch = branch
        return "succeeded", f"{summary}; result on {branch} ({merged.commit[:12]})"

    def _save(self) -> None:
        with self._lock:
            self.target.state_dir.write(self._state)

    def _emit(self, event: Event) -> None:
        with self._subscribers_lock:
            subscribers = list(self._subscribers)
        with self._emit_lock:
            for callback in subscribers:
                with contextlib.suppress(Exception):  # a broken renderer must not break the run
                    callback(event)


def ms(seconds: float) -> int:
    """Seconds as whole milliseconds."""
    return round(seconds * 1000)


def run_timeout_text(seconds: float | None) -> str:
    """``execution.timeout`` for a message: ``"90 s (execution.timeout)"``."""
    return f"{seconds:g} s (execution.timeout)"
