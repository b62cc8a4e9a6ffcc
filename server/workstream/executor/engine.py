"""The engine: plans a run, schedules ready steps on worker threads, records and reports it.

The scheduler follows dask's local scheduler: explicit state (waiting, running, finished), a
loop that starts ready steps up to ``workers`` (the one on the longest remaining chain first)
and then blocks on a queue of finished attempts, releasing whatever they unblocked. Only the
scheduler thread decides; workers run :func:`~workstream.executor.attempt.run_attempt` and
post their result. A failure skips every step downstream of it at once; other branches go on
unless ``fail_fast``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO

from workstream.executor.attempt import (
    AttemptResult,
    Inputs,
    RunContext,
    result_branch,
    run_attempt,
    step_branch,
)
from workstream.executor.clean import stop_leftovers
from workstream.executor.errors import ExecutorError
from workstream.executor.events import (
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
from workstream.executor.gitops import Git, identity_env
from workstream.executor.options import RunOptions, RunResult
from workstream.executor.plan import Plan, make_plan
from workstream.executor.ports import PortPool
from workstream.executor.state import RunState, StepState
from workstream.executor.target import Target, load_target
from workstream.executor.tools import fingerprint, user_shell

Subscriber = Callable[[Event], None]

#: Logs of this many recent runs are kept (plus any log the state file still points to).
KEEP_RUN_LOGS = 20


@dataclass(frozen=True, slots=True)
class _Done:
    """A worker's report: a step's last attempt ended."""

    step_id: str
    result: AttemptResult
    started: float  # monotonic, first attempt
    attempts: int


def new_run_id() -> str:
    """A sortable, unique run id: local time plus a little randomness."""
    return datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def load_state(workstream_file: Path | str) -> RunState | None:
    """The last run of a workstream (None before its first run).

    A run whose runner died shows as cancelled. Raises :class:`ExecutorError` when the file
    cannot be read or is not inside a git repository.
    """
    target = load_target(workstream_file, refuse_errors=False)
    return target.state_dir.load()


class Executor:
    """One run of a workstream: ``subscribe``, then ``run`` (blocking); ``cancel`` any time."""

    def __init__(self, workstream_file: Path | str, options: RunOptions | None = None) -> None:
        """Load and check the workstream and plan the run; raise :class:`ExecutorError`."""
        self.options = options or RunOptions()
        self.target: Target = load_target(workstream_file)
        self.model = self.target.model
        self.plan: Plan = make_plan(self.model, self.options.steps, self.options.max_workers)
        self.run_id = new_run_id()
        self._subscribers: list[Subscriber] = []
        self._subscribers_lock = threading.Lock()
        self._emit_lock = threading.Lock()
        self._lock = threading.RLock()  # guards the state
        self._cancel = threading.Event()
        self._inbox: queue.Queue[_Done | None] = queue.Queue()
        self._started = False
        self._state = RunState(self.run_id, self.model.id)
        self._previous: RunState | None = None

    # -- the public surface -------------------------------------------------------------

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

    def cancel(self) -> None:
        """Stop the run: no new step starts, running ones are killed; thread-safe, idempotent."""
        self._cancel.set()
        self._inbox.put(None)

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancel.is_set()

    def run(self) -> RunResult:
        """Run the plan to the end (or to cancellation) and return the final state."""
        if self._started:
            raise ExecutorError("an Executor runs once; create another for a new run")
        self._started = True
        with self.target.state_dir.lock() as acquired:
            if not acquired:
                raise ExecutorError(
                    f"another run of {self.model.id!r} is in progress in this repository"
                )
            return self._run()

    # -- the run --------------------------------------------------------------------------

    def _run(self) -> RunResult:
        began = time.monotonic()
        target, model, plan = self.target, self.model, self.plan
        repo = Git(target.repo_root)
        repo = Git(target.repo_root, identity_env(repo))
        base = repo.commit_of(model.execution.base)
        if base is None:
            raise ExecutorError(
                f"execution.base {model.execution.base!r} is not a commit in {target.repo_root}"
            )
        warnings = self._preflight(repo, base)
        self._previous = target.state_dir.read()
        if self._previous is not None and not self._previous.finished:
            # We hold the lock, so its runner is gone; what it started may still run.
            stop_leftovers(self._previous, target, self.options.kill_grace)
            self._previous.mark_interrupted()
        refs = repo.refs(f"refs/heads/workstream/{model.id}/")
        state = self._state
        state.workstream_file = str(target.file)
        state.started_at = time.time()
        state.base_commit = base
        state.pid = os.getpid()
        self._seed_steps()
        self._save()
        _prune_logs(target.state_dir.logs, KEEP_RUN_LOGS, [state, self._previous])
        ctx = RunContext(
            model=model,
            run_id=self.run_id,
            repo=repo,
            repo_root=target.repo_root,
            worktree_root=target.worktree_root,
            env={**os.environ, **self.options.env},
            shell=user_shell(),
            cancel=self._cancel,
            grace=self.options.kill_grace,
            keep_worktrees=self.options.keep_worktrees,
            ports=PortPool(),
            emit_line=lambda step_id, line: self._emit(StepOutput(self.run_id, step_id, line)),
            on_pid=self._on_pid,
        )
        self._emit(RunStarted(self.run_id, model.id, plan.steps, plan.workers, base, warnings))
        for step_id in plan.steps:
            self._emit(StepQueued(self.run_id, step_id))
        try:
            self._schedule(ctx, base, refs)
        finally:
            repo.prune()  # forget the worktrees of succeeded steps (their directories are gone)
        try:
            status, message = self._conclude(repo)
        except ExecutorError as error:  # e.g. git failing while merging the results
            status, message = "failed", f"could not make the result branch: {error}"
        state.status = status
        state.message = message
        state.finished_at = time.time()
        state.pid = None
        self._save()
        duration = _ms(time.monotonic() - began)
        self._emit(
            RunFinished(
                self.run_id, status, duration, state.result_branch, state.result_commit, message
            )
        )
        return RunResult(self.run_id, status, state, state.result_branch, state.result_commit)

    def _preflight(self, repo: Git, base: str) -> tuple[str, ...]:
        """Refuse to rewrite a branch the user has checked out; warn about unseen changes."""
        prefix = f"refs/heads/workstream/{self.model.id}/"
        own = self.target.worktree_root
        for worktree in repo.worktrees():
            branch = worktree.branch or ""
            if branch.startswith(prefix) and worktree.path.parent != own:
                raise ExecutorError(
                    f"branch {branch.removeprefix('refs/heads/')} is checked out in "
                    f"{worktree.path}; a run rewrites it, so switch that worktree to another "
                    "branch first"
                )
        dirty = repo.uncommitted()
        if not dirty:
            return ()
        count = len(dirty)
        return (
            f"{count} uncommitted change{'s' if count != 1 else ''} in {self.target.repo_root} "
            f"will not be seen by this run: it starts from {self.model.execution.base} "
            f"({base[:12]})",
        )

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
                # a worktree kept by an earlier run stays known until this run replaces it
                worktree=old.worktree if old is not None else None,
                environment=old.environment if old is not None else (),
            )

    def _schedule(self, ctx: RunContext, base: str, refs: dict[str, str]) -> None:
        plan = self.plan
        order = {step_id: i for i, step_id in enumerate(plan.steps)}
        deps: dict[str, list[str]] = {s: [] for s in plan.steps}
        dependents: dict[str, list[str]] = {s: [] for s in plan.steps}
        for dep, step_id in plan.edges:
            dependents[dep].append(step_id)
        for step_id in plan.steps:  # in depends_on order: the first dependency is the start
            step = self.model.step(step_id)
            assert step is not None
            deps[step_id] = [d for d in dict.fromkeys(step.depends_on) if d in order]
        height = _heights(plan, dependents)
        waiting = set(plan.steps)
        running: set[str] = set()
        workers = plan.workers
        delay = self.model.execution.rate_limit_delay
        fail_fast = self.options.fail_fast or self.model.execution.fail_fast
        launching = True
        last_start: float | None = None
        while waiting or running:
            if self._cancel.is_set() and waiting:
                for step_id in sorted(waiting, key=order.__getitem__):
                    self._finish(step_id, "cancelled", "not started: the run was cancelled")
                waiting.clear()
                launching = False
            pause: float | None = None
            while launching and len(running) < workers:
                ready = [s for s in waiting if all(self._status(d) == "succeeded" for d in deps[s])]
                if not ready:
                    break
                step_id = max(ready, key=lambda s: (height[s], -order[s]))
                inputs = self._inputs(step_id, deps[step_id], base)
                if self._reuse(step_id, inputs, refs):
                    waiting.discard(step_id)
                    continue
                if delay and last_start is not None:
                    pause = last_start + delay - time.monotonic()
                    if pause > 0:
                        break
                    pause = None
                waiting.discard(step_id)
                running.add(step_id)
                last_start = time.monotonic()
                threading.Thread(
                    target=self._work,
                    args=(ctx, step_id, inputs),
                    name=f"workstream-step-{step_id}",
                    daemon=True,
                ).start()
            if not running and pause is None:
                # Nothing runs and nothing can start: whatever waits is blocked for good.
                for step_id in sorted(waiting, key=order.__getitem__):
                    self._finish(step_id, "skipped", "not run: the run stopped launching steps")
                waiting.clear()
                break
            try:
                done = self._inbox.get(timeout=pause)
            except queue.Empty:
                continue
            if done is None:
                continue
            running.discard(done.step_id)
            self._record(done)
            if done.result.status == "failed":
                for step_id in _downstream(done.step_id, dependents):
                    if step_id in waiting:
                        waiting.discard(step_id)
                        self._finish(step_id, "skipped", f"not run: {done.step_id!r} failed")
                if fail_fast and launching:
                    launching = False
                    for step_id in sorted(waiting, key=order.__getitem__):
                        self._finish(
                            step_id, "skipped", f"not started: fail_fast after {done.step_id!r}"
                        )
                    waiting.clear()

    def _work(self, ctx: RunContext, step_id: str, inputs: Inputs) -> None:
        """A worker thread: the attempts of one step, then a report to the scheduler."""
        step = self.model.step(step_id)
        assert step is not None
        started = time.monotonic()
        retries = step.retries if step.retries is not None else self.model.execution.retries
        log_path = self.target.state_dir.log_file(self.run_id, step_id)
        attempt = 0
        result: AttemptResult
        try:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(log_path, "a", encoding="utf-8") as log:
                while True:
                    attempt += 1
                    self._started_attempt(ctx, step_id, attempt, log_path, log)
                    result = run_attempt(ctx, step, inputs, log)
                    if not (result.retryable and attempt <= retries) or self._cancel.is_set():
                        break
                    log.write(f"retrying from a fresh worktree (attempt {attempt + 1})\n")
        except Exception as exc:  # never leave the scheduler waiting for a dead worker
            result = AttemptResult("failed", f"internal error: {exc!r}", "error")
        if result.status == "failed" and self._cancel.is_set():
            result.status = "cancelled"
        self._inbox.put(_Done(step_id, result, started, attempt))

    def _started_attempt(
        self, ctx: RunContext, step_id: str, attempt: int, log_path: Path, log: IO[str]
    ) -> None:
        worktree = ctx.worktree_root / step_id
        with self._lock:
            entry = self._state.steps[step_id]
            entry.status = "running"
            entry.attempts = attempt
            entry.started_at = entry.started_at or time.time()
            entry.log = str(log_path)
            entry.worktree = str(worktree)
            self._save()
        log.write(f"== {step_id}: attempt {attempt}, run {self.run_id}\n")
        log.flush()
        self._emit(
            StepStarted(
                self.run_id, step_id, step_branch(self.model, step_id), str(worktree), attempt
            )
        )

    # -- state ----------------------------------------------------------------------------

    def _status(self, step_id: str) -> Status:
        return self._state.steps[step_id].status

    def _inputs(self, step_id: str, deps: list[str], base: str) -> Inputs:
        if not deps:
            return Inputs((base,), ("",))
        commits = tuple(self._state.steps[d].commit or "" for d in deps)
        return Inputs(commits, tuple(deps))

    def _reuse(self, step_id: str, inputs: Inputs, refs: dict[str, str]) -> bool:
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
        if refs.get(f"refs/heads/{step_branch(self.model, step_id)}") != old.commit:
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

    def _record(self, done: _Done) -> None:
        result = done.result
        with self._lock:
            entry = self._state.steps[done.step_id]
            entry.status = result.status
            entry.finished_at = time.time()
            entry.duration_ms = _ms(time.monotonic() - done.started)
            entry.inputs = self._inputs_of(done.step_id)
            entry.start_commit = result.start_commit
            entry.commit = result.commit if result.status == "succeeded" else None
            entry.message = result.message
            entry.reason = result.reason
            entry.worktree = str(result.worktree) if result.worktree else None
            entry.environment = result.environment
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
            )
        )

    def _inputs_of(self, step_id: str) -> tuple[str, ...]:
        step = self.model.step(step_id)
        assert step is not None
        deps = [d for d in dict.fromkeys(step.depends_on) if d in self._state.steps]
        if not deps:
            return (self._state.base_commit or "",)
        return tuple(self._state.steps[d].commit or "" for d in deps)

    def _finish(
        self, step_id: str, status: Status, message: str, reason: Reason | None = None
    ) -> None:
        """A step that never started reaches a final status."""
        with self._lock:
            entry = self._state.steps[step_id]
            entry.status = status
            entry.message = message
            entry.reason = reason
            entry.duration_ms = 0
            entry.commit = None
            self._save()
        self._emit(StepFinished(self.run_id, step_id, status, 0, None, None, message, reason))

    def _on_pid(self, step_id: str, pid: int | None) -> None:
        with self._lock:
            self._state.steps[step_id].pid = pid
            if pid is not None:  # only worth a write when a crash would need it
                self._save()

    def _conclude(self, repo: Git) -> tuple[Status, str]:
        """The run's status and message; the result branch when every step succeeded."""
        entries = [self._state.steps[s] for s in self.plan.steps]
        counts: dict[str, int] = {}
        for entry in entries:
            counts[entry.status] = counts.get(entry.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in counts.items())
        if self._cancel.is_set():
            return "cancelled", f"cancelled: {summary}"
        if counts.get("succeeded", 0) != len(entries):
            return "failed", summary
        if self.plan.requested:
            return (
                "succeeded",
                f"{summary}; {result_branch(self.model)} is only updated by a full run",
            )
        commits = [e.commit for e in entries if e.commit]
        merged = repo.merge(commits, f"workstream {self.model.id}: result of run {self.run_id}")
        if merged.commit is None:
            files = ", ".join(merged.conflicts)
            return "failed", f"{summary}, but their results conflict in: {files}"
        branch = result_branch(self.model)
        repo.set_branch(branch, merged.commit, f"workstream: run {self.run_id}")
        self._state.result_branch = branch
        self._state.result_commit = merged.commit
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


def _heights(plan: Plan, dependents: dict[str, list[str]]) -> dict[str, int]:
    """Per step, the number of steps on the longest chain from it to the end."""
    height: dict[str, int] = {}
    for step_id in reversed([s for wave in plan.waves for s in wave]):
        height[step_id] = 1 + max((height[d] for d in dependents[step_id]), default=0)
    return height


def _downstream(step_id: str, dependents: dict[str, list[str]]) -> list[str]:
    seen: list[str] = []
    stack = list(dependents[step_id])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.append(node)
            stack.extend(dependents[node])
    return seen


def _prune_logs(logs: Path, keep: int, states: list[RunState | None]) -> None:
    """Delete the logs of old runs, keeping the newest ``keep`` and those a state names."""
    if not logs.is_dir():
        return
    entries = [e for state in states if state is not None for e in state.steps.values()]
    wanted = {Path(e.log).parent.name for e in entries if e.log}
    runs = sorted((p for p in logs.iterdir() if p.is_dir()), key=lambda p: p.name)
    for old in runs[: max(0, len(runs) - keep)]:
        if old.name not in wanted:
            shutil.rmtree(old, ignore_errors=True)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
