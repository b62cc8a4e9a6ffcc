"""The engine: plans a run, launches steps on worker threads, records and reports it.

:class:`Executor` is the public surface. A run holds the workstream's lock from start to end;
before anything else it recovers what a dead runner left (:mod:`recovery`). Steps are
scheduled by :mod:`scheduler`, each attempt run by :mod:`attempt`. Every step is confined by
the sandbox (:mod:`sandbox`) when bubblewrap works and ``execution.sandbox`` is not false;
otherwise the run says so once and a tripwire (:mod:`tripwire`) compares the user's
repository after each step with its state at the start, failing the step and stopping the run
when anything changed. A branch checked out in some worktree is never moved.
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from workstream.executor import baseline
from workstream.executor.backend import LocalBackend, StepBackend, choose_backend
from workstream.executor.baseline import check_dead_run
from workstream.executor.candidates import CandidateLedger
from workstream.executor.cluster_refs import forget_run_refs
from workstream.executor.commands import in_home, step_home
from workstream.executor.context import (
    AttemptResult,
    Inputs,
    RunContext,
    SandboxConfig,
)
from workstream.executor.errors import ExecutorError
from workstream.executor.events import (
    RunFinished,
    RunStarted,
    StepOutput,
    StepQueued,
)
from workstream.executor.gitops import Git
from workstream.executor.guard import SettingsGuard
from workstream.executor.ledger import ms, run_timeout_text
from workstream.executor.logs import KEEP_RUN_LOGS, CappedLog, prune_logs
from workstream.executor.options import RunOptions, RunResult
from workstream.executor.plan import make_plan
from workstream.executor.pool import Pool
from workstream.executor.ports import PortPool
from workstream.executor.preflight import unseen_changes
from workstream.executor.reaper import Reaper
from workstream.executor.recovery import recover, save_kept
from workstream.executor.sandbox import find_bwrap
from workstream.executor.scheduler import Done, schedule
from workstream.executor.state import RunState
from workstream.executor.target import load_target, target_git
from workstream.executor.tools import user_shell
from workstream.executor.tripwire import RepoSnapshot, compare, snapshot
from workstream.executor.worktrees import claim_root


def new_run_id() -> str:
    """A sortable, unique run id: local time plus a little randomness."""
    return datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def load_state(workstream_file: Path | str) -> RunState | None:
    """The last run of a workstream (None before its first run).

    A run whose runner died is recovered first when no run holds the lock: its leftover
    processes stopped, its interrupted work saved, and it shows as cancelled. Raises
    :class:`ExecutorError` when the file cannot be read or is not inside a git repository.
    """
    target = load_target(workstream_file, refuse_errors=False)
    state = target.state_dir.read()
    if state is None or state.finished:
        return state
    with target.state_dir.lock(patience=1) as acquired:
        if not acquired:
            return state  # a live run
        state = target.state_dir.read()
        if state is not None and not state.finished:
            repo = target_git(target)
            recover(state, target, repo, grace=2.0)
            check_dead_run(state, target, repo)
            target.state_dir.write(state)
    return state


class Executor(CandidateLedger):
    """One run of a workstream: ``subscribe``, then ``run`` (blocking); ``cancel`` any time."""

    def __init__(self, workstream_file: Path | str, options: RunOptions | None = None) -> None:
        """Load and check the workstream and plan the run; raise :class:`ExecutorError`."""
        options = options or RunOptions()
        target = load_target(workstream_file)
        plan = make_plan(target.model, options.steps, options.max_workers)
        super().__init__(target, plan, options, new_run_id())
        self._inbox: queue.Queue[Done | None] = queue.Queue()
        self._started = False
        self._ctx: RunContext | None = None
        self._tripwire: RepoSnapshot | None = None
        self._guard: SettingsGuard | None = None
        self._baselines = Path()
        self._backend: StepBackend = LocalBackend()

    # -- the public surface -------------------------------------------------------------

    def cancel(self) -> None:
        """Stop the run: no new step starts, running ones are killed; thread-safe, idempotent."""
        self._cancel.set()
        self._inbox.put(None)

    def _time_out(self) -> None:
        """``execution.timeout`` passed: stop the running steps, start no other."""
        self._timed_out.set()
        self.cancel()

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
        repo = target_git(target)
        base = repo.commit_of(model.execution.base)
        if base is None:
            hint = ""
            if not repo.call("rev-list", "-n", "1", "--all")[1].strip():
                hint = (
                    ": the repository has no commits yet — make a first commit "
                    "(git commit --allow-empty -m init)"
                )
            raise ExecutorError(
                f"execution.base {model.execution.base!r} is not a commit in "
                f"{target.repo_root}{hint}"
            )
        self._previous = target.state_dir.read()
        recovered: list[str] = []
        if self._previous is not None and not self._previous.finished:
            report = recover(self._previous, target, repo, self.options.kill_grace)
            target.state_dir.write(self._previous)
            recovered = [f"the interrupted run's work is saved on {b}" for b, _ in report.saved]
            recovered += report.problems
            found = check_dead_run(self._previous, target, repo)
            recovered += [f"the interrupted run, after it stopped: {f}" for f in found]
            recovered += forget_run_refs(
                repo, model.id, self._previous.run_id, self._previous.remote
            )
            target.state_dir.write(self._previous)
        claim_root(target.worktree_root, target.git_dir, adopt=target.default_worktree_root)
        warnings = recovered + list(
            unseen_changes(repo, self.target, self.model.execution.base, base)
        )
        if self._previous is not None:
            warnings += save_kept(self._previous, target, repo, plan.steps)
            target.state_dir.write(self._previous)
        sandbox = self._sandbox(warnings)
        self._baselines = baseline.folder(target.state_dir, self.run_id)
        if sandbox is None:
            self._tripwire = self._snapshot()
            self._save_tripwire()
        self._backend = self._connect(repo, warnings)
        home = step_home({**os.environ, **self.options.env})
        self._guard = SettingsGuard(home, target.state_dir.logs / self.run_id / "guarded")
        baseline.save_guard(self._baselines / baseline.GUARD_FILE, self._guard)  # for recovery
        self._refs = repo.refs(f"refs/heads/workstream/{model.id}/")
        state = self._state
        state.workstream_file = str(target.file)
        state.started_at = time.time()
        state.base_commit = base
        state.pid = os.getpid()
        self._seed_steps()
        self._save()
        prune_logs(target.state_dir.logs, KEEP_RUN_LOGS, [state, self._previous])
        reaper = Reaper(repo)
        reuse = model.execution.reuse
        pool = None
        if reuse is not None and not self.options.keep_worktrees:  # kept: each at its place
            pool_state = target.state_dir.root / "pool"
            pool = Pool(repo, target.worktree_root, pool_state, plan.workers, reuse, reaper)
        self._ctx = RunContext(
            model=model,
            run_id=self.run_id,
            repo=repo,
            repo_root=target.repo_root,
            git_dir=target.git_dir,
            worktree_root=target.worktree_root,
            scratch_root=target.state_dir.root / "scratch" / self.run_id,
            env={**os.environ, **self.options.env},
            shell=user_shell(),
            cancel=self._cancel,
            grace=self.options.kill_grace,
            keep_worktrees=self.options.keep_worktrees,
            ports=PortPool(),
            reaper=reaper,
            pool=pool,
            sandbox=sandbox,
            emit_line=lambda step_id, line: self._emit(StepOutput(self.run_id, step_id, line)),
            on_pid=self._on_pid,
            on_worktree=self._on_worktree,
        )
        self._emit(
            RunStarted(self.run_id, model.id, plan.steps, plan.workers, base, tuple(warnings))
        )
        for step_id in plan.steps:
            self._emit(StepQueued(self.run_id, step_id))
        fail_fast = self.options.fail_fast or model.execution.fail_fast
        timer = None
        if model.execution.timeout is not None:
            timer = threading.Timer(model.execution.timeout, self._time_out)
            timer.daemon = True
            timer.start()
        try:
            schedule(plan, model, self, self._inbox, self._cancel, fail_fast, self._timed_out)
        finally:
            self._backend.close()  # a cluster's refs deleted from the remote
            if timer is not None:
                timer.cancel()
            if pool is not None:
                pool.close()  # its worktrees go with the run (clean removes a killed run's)
            self._ctx.reaper.join()  # the worktrees of succeeded steps, removed by git
            repo.prune()
            with contextlib.suppress(OSError):
                self._ctx.scratch_root.rmdir()
            baseline.discard(self._baselines)  # every step was compared
        try:
            status, message = self._conclude(repo)
        except ExecutorError as error:  # e.g. git failing while merging the results
            status, message = "failed", f"could not make the result branch: {error}"
            state.result_note = f"no result: {message}"
        state.status = status
        state.message = message
        state.finished_at = time.time()
        state.pid = None
        self._save()
        duration = ms(time.monotonic() - began)
        self._emit(
            RunFinished(
                self.run_id, status, duration, state.result_branch, state.result_commit, message
            )
        )
        return RunResult(self.run_id, status, state, state.result_branch, state.result_commit)

    def _connect(self, repo: Git, warnings: list[str]) -> StepBackend:
        """Where the steps run (:func:`~workstream.executor.backend.choose_backend`)."""
        backend = choose_backend(self.target, self.plan, self.options, repo, self.run_id)
        if isinstance(backend, LocalBackend):
            return backend
        self._state.cluster = self.options.cluster or self.model.execution.cluster
        self._state.remote = backend.remote
        warnings.append(f"steps run on {backend.where}, through the git remote {backend.remote}")
        return backend

    def _sandbox(self, warnings: list[str]) -> SandboxConfig | None:
        execution = self.model.execution
        if not execution.sandbox:
            warnings.append(
                "the sandbox is off (execution.sandbox: false): steps can write anywhere you "
                "can; a tripwire checks your repository after each step"
            )
            return None
        bwrap = find_bwrap()
        if bwrap is None:
            warnings.append(
                "bubblewrap (bwrap) is not available, so steps run without a sandbox; a "
                "tripwire checks your repository after each step (install the bubblewrap "
                "package to confine them)"
            )
            return None
        home = step_home({**os.environ, **self.options.env})
        writable = tuple(in_home(p, home) for p in execution.writable)
        return SandboxConfig(bwrap, execution.network, writable)

    def _save_tripwire(self) -> None:
        assert self._tripwire is not None
        env = {**os.environ, **self.options.env}
        baseline.save_tripwire(self._baselines, self._tripwire, env)

    def _snapshot(self) -> RepoSnapshot:
        return snapshot(
            self.target.repo_root,
            self.target.git_dir,
            ignore_ref_prefix=f"refs/heads/workstream/{self.model.id}/",
            env={**os.environ, **self.options.env},  # its virtualenv too
        )

    # -- the scheduler's hooks ------------------------------------------------------------

    def launch(self, step_id: str, inputs: Inputs, candidate: int | None = None) -> None:
        """Start a step's attempts (or one of its candidates') on a worker thread."""
        threading.Thread(
            target=self._work,
            args=(step_id, inputs, candidate),
            name=f"workstream-step-{step_id}" + (f"@{candidate}" if candidate else ""),
            daemon=True,
        ).start()

    def record(self, done: Done) -> bool:
        """Record a finished step; False when the tripwire fired (the run stops launching).

        A candidate is checked as a step is; the step it chose for is recorded as it stands."""
        if done.candidate is None and done.step_id in self._selections:
            self._record(done)
            return True
        result, go_on = done.result, True
        found = self._guard.check(done.step_id) if self._guard is not None else []
        if self._tripwire is not None:
            changes = compare(self._tripwire, self._snapshot())
            if changes:
                self._tripwire = self._snapshot()  # report each change once
                self._save_tripwire()
                found.insert(0, "your repository, without a sandbox: " + "; ".join(changes))
        if found:
            go_on = False
            running = [s for s, e in self._state.steps.items() if e.status == "running"]
            others = [s for s in running if s != done.step_id]
            suspects = f" (also running: {', '.join(others)})" if others else ""
            message = "changed while it ran: " + "; ".join(found) + suspects
            result = replace(
                result, status="failed", reason="tripwire", commit=None, message=message
            )
            done = replace(done, result=result)
        if self._timed_out.is_set() and done.result.status == "cancelled":
            limit = run_timeout_text(self.model.execution.timeout)
            done = replace(
                done,
                result=replace(
                    done.result,
                    message=f"stopped: the run timed out after {limit}; {done.result.message}",
                ),
            )
        if done.candidate is not None:
            self._record_candidate(done)
        else:
            self._record(done)
        return go_on

    # -- workers --------------------------------------------------------------------------

    def _work(self, step_id: str, inputs: Inputs, candidate: int | None = None) -> None:
        """A worker thread: the attempts of one step (or of one of its candidates), then a
        report to the scheduler."""
        assert self._ctx is not None
        step = self.model.step(step_id)
        assert step is not None
        unit = self._unit(self._ctx, step, candidate)
        ctx = unit.ctx
        started = time.monotonic()
        retries = step.retries if step.retries is not None else self.model.execution.retries
        log_path = self.target.state_dir.log_file(self.run_id, unit.name)
        attempt = 0
        result: AttemptResult
        try:
            with CappedLog(log_path) as log:
                while True:
                    attempt += 1
                    self._started_attempt(step_id, attempt, log_path, candidate)
                    log.write(f"== {unit.name}: attempt {attempt}, run {self.run_id}\n")
                    result = self._backend.run_attempt(
                        ctx, unit.step, inputs, log, unit.name, unit.branch, unit.score
                    )
                    if not (result.retryable and attempt <= retries) or ctx.cancel.is_set():
                        break
                    log.write(f"retrying from a fresh worktree (attempt {attempt + 1})\n")
        except Exception as exc:  # never leave the scheduler waiting for a dead worker
            result = AttemptResult("failed", f"internal error: {exc!r}", "error")
        if result.status == "failed" and ctx.cancel.is_set():
            result.status = "cancelled"
        self._inbox.put(Done(step_id, result, started, attempt, candidate))

    # -- state ----------------------------------------------------------------------------
