"""A step with candidates: each candidate a unit of work, and the choice among them.

The scheduler gives each candidate a worker of its own (:mod:`scheduler`); the worker runs it
as an attempt of the step with the candidate's overrides (:func:`unit_steps`) in a worktree
named ``<step>@<n>``, on the branch ``workstream/<ws>/candidate/<step>/<n>``, with its own log
``<step>@<n>.log`` and ``WORKSTREAM_CANDIDATE=<n>`` in its environment: the sandbox, the
scope check, the acceptance tests and (in the engine) the tripwire apply to it exactly as to
a step. Each candidate has its own cancel event, which the run's cancellation sets too
(:class:`Linked`), so ``select: "first"`` stops the others through the same path a cancelled
run takes: their processes are stopped, their work is saved on their branches and their
worktrees are kept, as a cancelled step's.

:class:`CandidateLedger` keeps the books (one entry per candidate in the step's state,
``StepState.candidates``) and decides: the first to pass, or the best score among those that
passed (ties to the lower number). The winner's commit becomes the step's result, on the step
branch too; when none passed, the step fails and says what each candidate did. Worktrees an
earlier run kept for candidates are saved first if someone changed them since.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workstream.candidates import FIRST, Select
from workstream.executor.attempt import move_branch
from workstream.executor.context import AttemptResult, RunContext
from workstream.executor.errors import ExecutorError
from workstream.executor.events import Reason, StepOutput, StepStarted
from workstream.executor.gitops import Git, GitError
from workstream.executor.ledger import Ledger, ms
from workstream.executor.options import RunOptions
from workstream.executor.plan import Plan
from workstream.executor.scheduler import Done
from workstream.executor.target import Target, target_git
from workstream.executor.worktrees import registered, safe_save
from workstream.model import Step, Workstream


def candidate_branch(model: Workstream, step_id: str, n: int) -> str:
    """The branch candidate ``n`` (from 1) of a step keeps its work on."""
    return f"workstream/{model.id}/candidate/{step_id}/{n}"


def unit_name(step_id: str, n: int) -> str:
    """The name of a candidate's worktree, scratch folder and log (``@`` is in no step id)."""
    return f"{step_id}@{n}"


def unit_steps(step: Step) -> list[tuple[Step, str]]:
    """The step as each of its candidates runs it (attempts expanded), with a label each."""
    out: list[tuple[Step, str]] = []
    for candidate in step.candidates:
        unit = replace(
            step,
            tool=candidate.tool or step.tool,
            tasks=candidate.tasks if candidate.tasks is not None else step.tasks,
            run=candidate.run if candidate.run is not None else step.run,
            env={**step.env, **candidate.env},
            candidates=(),
            select=None,
        )
        label = candidate.label()
        for attempt in range(1, candidate.attempts + 1):
            shown = f"{label}, attempt {attempt} of {candidate.attempts}"
            out.append((unit, shown if candidate.attempts > 1 else label))
    return out


class Linked(threading.Event):
    """A candidate's cancel event: set by itself, or by the run's cancellation."""

    def __init__(self, parent: threading.Event) -> None:
        super().__init__()
        self._parent = parent

    def is_set(self) -> bool:
        return super().is_set() or self._parent.is_set()


@dataclass(frozen=True, slots=True)
class UnitRun:
    """How a worker runs a step or one of its candidates."""

    step: Step
    ctx: RunContext
    name: str
    branch: str | None = None
    score: str | None = None


@dataclass(slots=True)
class Selection:
    """One step's candidates during a run."""

    step: Step
    select: Select
    units: list[tuple[Step, str]]
    events: dict[int, Linked]
    started: float | None = None  # monotonic: its first candidate's start
    winner: int | None = None  # "first": the first that passed
    environment: dict[int, tuple[str, ...]] = field(default_factory=dict)
    transcripts: dict[int, str] = field(default_factory=dict)
    tool_failed: dict[int, bool] = field(default_factory=dict)  # for the circuit breaker


class CandidateLedger(Ledger):
    """The ledger with the books and the choice of steps with candidates."""

    def __init__(self, target: Target, plan: Plan, options: RunOptions, run_id: str) -> None:
        super().__init__(target, plan, options, run_id)
        self._selections: dict[str, Selection] = {}
        self._notes: dict[str, list[str]] = {}  # per step: what was saved before it ran

    def _seed_steps(self) -> None:
        """Before the run replaces them: save what someone changed in the worktrees an
        earlier run kept for candidates of the planned steps (as ``save_kept`` does for
        steps), on ``workstream/<id>/saved/<step>@<n>-<time>``."""
        previous = self._previous
        if previous is not None:
            repo = target_git(self.target)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for step_id in self.plan.steps:
                entry = previous.steps.get(step_id)
                for record in entry.candidates if entry is not None else ():
                    self._save_kept(repo, step_id, record, stamp)
        super()._seed_steps()

    def _save_kept(self, repo: Git, step_id: str, record: dict[str, Any], stamp: str) -> None:
        path = Path(record["worktree"]) if record.get("worktree") else None
        if path is None or not path.is_dir() or not registered(repo, path):
            return
        name = unit_name(step_id, int(record["n"]))
        commit, error = safe_save(
            repo,
            path,
            record.get("saved_commit") or record.get("commit") or record.get("start_commit"),
            frozenset(record.get("environment") or ()),
            self.target.state_dir.root / "scratch" / f"kept-{name}",
            f"workstream: changes made in the kept worktree of {name}\n",
        )
        if error is not None:
            raise ExecutorError(
                f"the kept worktree {path} has changes that could not be saved ({error}); "
                "save them yourself, then run `workstream clean --force`"
            )
        if commit is not None:
            branch = f"workstream/{self.model.id}/saved/{name}-{stamp}"
            repo.set_branch(branch, commit, f"workstream: changes in the kept worktree of {name}")
            self._notes.setdefault(step_id, []).append(
                f"changes made in the kept worktree of candidate {name!r} are saved on {branch}"
            )

    def _selection(self, step_id: str) -> Selection:
        with self._lock:
            selection = self._selections.get(step_id)
            if selection is None:
                step = self.model.step(step_id)
                assert step is not None and step.candidates
                units = unit_steps(step)
                events = {n: Linked(self._cancel) for n in range(1, len(units) + 1)}
                selection = Selection(step, step.select or FIRST, units, events)
                self._selections[step_id] = selection
                entry = self._state.steps[step_id]
                entry.candidates = [
                    {
                        "n": n,
                        "label": label,
                        "status": "queued",
                        "branch": candidate_branch(self.model, step_id, n),
                        "commit": None,
                        "saved_commit": None,
                        "score": None,
                        "selected": False,
                        "message": "",
                        "reason": None,
                        "started_at": None,
                        "finished_at": None,
                        "duration_ms": None,
                        "log": None,
                        "transcript": None,
                        "worktree": None,
                        "start_commit": None,
                        "environment": [],
                        "pid": None,
                        "token": "",
                    }
                    for n, (_, label) in enumerate(units, start=1)
                ]
            return selection

    # -- the scheduler's hooks ------------------------------------------------------------

    def wants(self, step_id: str, candidate: int) -> bool:
        """A queued candidate starts unless the run was cancelled or another already won."""
        selection = self._selection(step_id)
        return selection.winner is None and not selection.events[candidate].is_set()

    def _unit(self, ctx: RunContext, step: Step, candidate: int | None) -> UnitRun:
        """What a worker runs: the step itself, or one candidate of it."""
        if candidate is None:
            return UnitRun(step, ctx, step.id)
        selection = self._selection(step.id)
        with self._lock:
            selection.started = selection.started or time.monotonic()
        base = ctx

        def emit(step_id: str, line: str) -> None:
            base.emit_line(step_id, f"[candidate {candidate}] {line}")

        def on_worktree(step_id: str, path: Path, start: str) -> None:
            with self._lock:
                record = self._candidate(step_id, candidate)
                record.update(worktree=str(path), start_commit=start, environment=[])
                self._state.steps[step_id].start_commit = start
                self._save()

        def on_pid(step_id: str, pid: int | None, token: str) -> None:
            # Each candidate's command is recorded on its own entry (the step's would be
            # overwritten by the next candidate's), so recovery stops every one of them.
            with self._lock:
                self._candidate(step_id, candidate).update(pid=pid, token=token)
                if pid is not None:  # only worth a write when a crash would need it
                    self._save()

        own = replace(
            ctx,
            cancel=selection.events[candidate],
            emit_line=emit,
            on_worktree=on_worktree,
            on_pid=on_pid,
        )
        score = selection.select.score if selection.select.mode == "score" else None
        unit = selection.units[candidate - 1][0]
        unit = replace(unit, env={**unit.env, "WORKSTREAM_CANDIDATE": str(candidate)})
        return UnitRun(
            unit,
            own,
            unit_name(step.id, candidate),
            candidate_branch(self.model, step.id, candidate),
            score,
        )

    def _candidate(self, step_id: str, n: int) -> dict[str, Any]:
        return self._state.steps[step_id].candidates[n - 1]

    def _started_attempt(
        self, step_id: str, attempt: int, log_path: Path, candidate: int | None = None
    ) -> None:
        if candidate is None:
            super()._started_attempt(step_id, attempt, log_path)
            return
        first = False
        with self._lock:
            entry = self._state.steps[step_id]
            first = entry.status != "running"
            entry.status = "running"
            entry.attempts += 1
            entry.started_at = entry.started_at or time.time()
            entry.log = entry.log or str(log_path)
            record = self._candidate(step_id, candidate)
            record.update(status="running", log=str(log_path))
            record["started_at"] = record["started_at"] or time.time()
            self._save()
        worktree = self.target.worktree_root / unit_name(step_id, candidate)
        label = self._selection(step_id).units[candidate - 1][1]
        branch = candidate_branch(self.model, step_id, candidate)
        if first:
            self._emit(StepStarted(self.run_id, step_id, branch, str(worktree), 1))
            for note in self._notes.pop(step_id, []):
                self._emit(StepOutput(self.run_id, step_id, note))
        # Not a path: its own "worktree" line names it (a pool slot while it runs, with reuse).
        self._emit(
            StepOutput(self.run_id, step_id, f"candidate {candidate} ({label}) started on {branch}")
        )

    def _record_candidate(self, done: Done) -> None:
        """A candidate ended: its entry, and with ``"first"`` the others stopped."""
        assert done.candidate is not None
        result, n = done.result, done.candidate
        selection = self._selection(done.step_id)
        stop: list[int] = []
        with self._lock:
            record = self._candidate(done.step_id, n)
            passed = result.status == "succeeded"
            record.update(
                status=result.status,
                commit=result.commit if passed else None,
                saved_commit=result.saved_commit,
                score=result.score,
                message=result.message,
                reason=result.reason,
                finished_at=time.time(),
                duration_ms=ms(time.monotonic() - done.started),
                worktree=str(result.worktree) if result.worktree else None,
                environment=list(result.environment),
                pid=None,
                token="",
            )
            if passed:
                selection.environment[n] = result.environment
                if selection.select.mode == "first" and selection.winner is None:
                    selection.winner = n
                    stop = [m for m in selection.events if m != n]
            selection.tool_failed[n] = result.tool_failed
            if result.transcript:
                selection.transcripts[n] = str(result.transcript)
                record["transcript"] = str(result.transcript)
            self._save()
        for m in stop:  # the running ones stop at once, keeping their work on their branches
            selection.events[m].set()
        score = f", score {result.score:g}" if result.score is not None else ""
        line = f"candidate {n} {result.status}{score}: {result.message}"
        self._emit(StepOutput(self.run_id, done.step_id, line))

    def conclude(self, step_id: str) -> Done:
        """Every candidate ended or will never start: the winner's result is the step's."""
        selection = self._selection(step_id)
        with self._lock:
            records = self._state.steps[step_id].candidates
            for record in records:
                if record["status"] in ("queued", "running"):
                    why = (
                        f"candidate {selection.winner} passed first"
                        if selection.winner is not None
                        else "the run stopped"
                    )
                    record.update(status="cancelled", message=f"not started: {why}")
            winner = self._winner(selection, records)
            started = selection.started or time.monotonic()
            attempts = sum(1 for r in records if r["started_at"] is not None)
            if winner is None:
                result = self._none_passed(selection, records)
            else:
                record = records[winner - 1]
                record["selected"] = True
                result = self._selected(selection, step_id, record)
                self._state.steps[step_id].log = record["log"]
            self._save()
        return Done(step_id, result, started, attempts)

    def _winner(self, selection: Selection, records: list[dict[str, Any]]) -> int | None:
        passed = [r for r in records if r["status"] == "succeeded" and r["commit"]]
        if not passed:
            return None
        if selection.select.mode == "first":
            return selection.winner or int(passed[0]["n"])
        sign = 1.0 if selection.select.better == "lower" else -1.0
        scored = [r for r in passed if isinstance(r["score"], int | float)]
        if not scored:
            return None
        best = min(scored, key=lambda r: (sign * float(r["score"]), int(r["n"])))
        return int(best["n"])

    def _selected(
        self, selection: Selection, step_id: str, record: dict[str, Any]
    ) -> AttemptResult:
        n, commit = int(record["n"]), str(record["commit"])
        branch = self._state.steps[step_id].branch or ""
        try:
            repo = target_git(self.target)
            note = move_branch(repo, branch, commit, f"workstream: run {self.run_id}: {step_id}")
        except GitError as exc:
            return AttemptResult("failed", f"could not set {branch}: {exc}", "error")
        total = len(selection.units)
        how = selection.select.describe()
        score = f", score {record['score']:g}" if record["score"] is not None else ""
        result = AttemptResult(
            "succeeded",
            f"candidate {n} of {total} chosen ({how}{score}): {record['message']}{note}",
            None,
            self._state.steps[step_id].start_commit,
            commit,
            None,
            selection.environment.get(n, ()),
        )
        transcript = selection.transcripts.get(n)
        result.transcript = Path(transcript) if transcript else None
        return result

    def _none_passed(self, selection: Selection, records: list[dict[str, Any]]) -> AttemptResult:
        cancelled = self._cancel.is_set() and any(r["status"] == "cancelled" for r in records)
        reasons: set[Reason] = {r["reason"] for r in records if r["reason"]}
        reason: Reason = reasons.pop() if len(reasons) == 1 else "exit"
        what = "; ".join(f"{r['n']}: {r['status']}: {r['message']}" for r in records)
        unscored = selection.select.mode == "score" and any(
            r["status"] == "succeeded" for r in records
        )
        head = "no candidate could be scored" if unscored else "no candidate passed"
        result = AttemptResult(
            "cancelled" if cancelled else "failed",
            f"{head} (of {len(records)}; their work is on their branches): {what}",
            None if cancelled else reason,
            self._state.steps[selection.step.id].start_commit,
        )
        result.tool_failed = bool(selection.tool_failed) and all(selection.tool_failed.values())
        return result
