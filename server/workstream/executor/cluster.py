"""The coordinator's side of a cluster run: :class:`ClusterBackend`, steps on Dask workers.

The engine plans, schedules, records and merges as for a local run; this backend runs each
attempt on a worker of a Dask cluster (``--cluster tcp://host:8786``, or ``local:N`` for a
``LocalCluster`` of N worker processes here). For one attempt it

1. makes the start point here (the merge of the step's inputs) and pushes it to the remote
   (:mod:`cluster_refs`);
2. submits :func:`~workstream.executor.cluster_worker.run_on_worker` with the step's Dask
   resources (its tool's ``resources`` and its own), after checking that some worker offers
   them (a step no worker can take fails at once: the run never waits for one);
3. writes the lines the worker streams to the step's log and to the run's events as they
   come, and sets the attempt's Dask ``Event`` when the attempt is cancelled (Ctrl-C, the
   editor's Cancel, a run timeout, a "first" candidate's rival winning);
4. fetches the commit the worker pushed and moves the step branch here, as a local attempt
   would. A worker that dies mid-step fails the attempt (Dask's ``KilledWorker``), which the
   engine retries like any failure when the step has retries left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workstream.executor.cluster_link import (
    AttemptLines,
    pack_copies,
    placement_refusal,
)
from workstream.executor.cluster_local import LocalWorkers
from workstream.executor.cluster_refs import (
    attempt_ref,
    delete_remote,
    fetch,
    push,
    remove_relay,
    resolve_remote,
    run_prefix,
)
from workstream.executor.cluster_sweep import SweepOnStart
from workstream.executor.cluster_worker import AttemptSpec, run_on_worker
from workstream.executor.context import AttemptResult, Inputs, RunContext, step_branch
from workstream.executor.errors import ExecutorError
from workstream.executor.events import Status
from workstream.executor.gitops import Git, GitError
from workstream.executor.logs import CappedLog
from workstream.executor.results import move_branch, start_point
from workstream.model import Step
from workstream.model_values import local_size

#: Seconds to reach a scheduler before the run gives up.
CONNECT_SECONDS = 20.0
#: Seconds a cancelled attempt's worker has, past the kill grace, to report back.
CANCEL_PATIENCE = 30.0
#: Seconds a run waits with no worker at all in the cluster before failing the attempt.
NO_WORKER_PATIENCE = 30.0
#: Seconds to wait for the last output lines after the attempt's result came.
LINES_PATIENCE = 5.0


class ClusterBackend:
    """Attempts on the workers of a Dask cluster; see the module's docstring."""

    def __init__(
        self,
        address: str,
        repo: Git,
        state_root: Path,
        run_id: str,
        workstream_id: str,
        *,
        remote: str | None,
        workers: int,
        env: Mapping[str, str],
        grace: float,
        resources: Mapping[str, float],
    ) -> None:
        """Connect (or start ``local:N``'s workers, offering ``resources``) and find the
        remote; raise
        :class:`ExecutorError` with what to do when either fails."""
        try:
            import distributed
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise ExecutorError(f"a cluster run needs Dask distributed ({exc})") from None
        self._distributed: Any = distributed
        self._repo, self._run_id, self._ws = repo, run_id, workstream_id
        self._env, self._grace = dict(env), grace
        self._state_root = state_root
        size = local_size(address)
        self._local: LocalWorkers | None = None
        dist: Any = distributed  # untyped
        try:
            if size is not None:
                threads = max(1, math.ceil(workers / size))
                self._local = LocalWorkers(size, threads, resources)
                self.client: Any = dist.Client(self._local.address, timeout=CONNECT_SECONDS)
                self._local.wait(self.client, size)
            else:
                self.client = dist.Client(address, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError) as exc:
            self._close_client()
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        except ExecutorError:
            self._close_client()
            raise
        try:
            self.remote = resolve_remote(repo, remote, state_root, local=size is not None)
        except ExecutorError:
            self._close_client()
            raise
        count = len(self.client.scheduler_info().get("workers", {}))
        if self._local is not None:
            self.where = f"a local Dask cluster of {count} worker processes ({address})"
        else:
            self.where = f"the Dask cluster at {address} ({count} workers now)"
        self.topic = f"workstream-{workstream_id}-{run_id}"
        self._sinks: dict[str, AttemptLines] = {}
        self._keys = itertools.count(1)
        self._lock = threading.Lock()
        self._on_remote: dict[str, str] = {}  # commit -> a ref of this run there that holds it
        self.client.subscribe_topic(self.topic, self._on_event)
        with contextlib.suppress(Exception):  # a worker then sweeps at its next attempt only
            self.client.register_plugin(SweepOnStart(), name="workstream-sweep")

    # -- one attempt ----------------------------------------------------------------------

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
        """See :meth:`workstream.executor.backend.StepBackend.run_attempt`."""
        name = name or step.id
        branch = branch or step_branch(ctx.model, step.id)
        sink = AttemptLines(log, ctx.emit_line, step.id)
        try:
            start = start_point(ctx, step, inputs, sink.say)
            if isinstance(start, AttemptResult):
                return start
            needs = ctx.model.resources(step)
            refused = placement_refusal(self._workers(), needs)
            if refused is not None:
                sink.say(refused)
                return AttemptResult("failed", refused, "refused", start_commit=start)
            with self._lock:
                key = f"{name}.{next(self._keys)}"
                self._sinks[key] = sink
            try:
                spec = self._spec(ctx, step, name, branch, score, start, key, sink)
                if isinstance(spec, AttemptResult):
                    return spec
                spec = self._start_on_remote(ctx.repo, spec)
                raw = self._wait(ctx, spec, sink, needs)
                if isinstance(raw, AttemptResult):
                    raw.start_commit = start
                    return raw
                sink.wait_for(int(raw.get("lines", 0)), LINES_PATIENCE)
            finally:
                with self._lock:
                    self._sinks.pop(key, None)
            return self._bring_back(ctx, spec, raw, log, sink)
        except (GitError, ExecutorError, OSError) as exc:
            sink.say(f"error: {exc}")
            return AttemptResult("failed", str(exc), "error")

    def _spec(
        self,
        ctx: RunContext,
        step: Step,
        name: str,
        branch: str,
        score: str | None,
        start: str,
        key: str,
        sink: AttemptLines,
    ) -> AttemptSpec | AttemptResult:
        copied = pack_copies(ctx, key, sink)
        if isinstance(copied, AttemptResult):
            copied.start_commit = start
            return copied
        ws, run = ctx.model.id, ctx.run_id
        return AttemptSpec(
            model=ctx.model,
            run_id=run,
            step=step,
            name=name,
            branch=branch,
            score=score,
            start=start,
            remote=self.remote,
            start_ref=attempt_ref(ws, run, key, "start"),
            result_ref=attempt_ref(ws, run, key, "result"),
            saved_ref=attempt_ref(ws, run, key, "saved"),
            env=self._env,
            grace=self._grace,
            topic=self.topic,
            key=key,
            cancel_event=f"{self.topic}-{key}-cancel",
            copied=copied,
        )

    def _start_on_remote(self, repo: Git, spec: AttemptSpec) -> AttemptSpec:
        """The attempt's start commit on the remote: pushed under the attempt's own ref, or,
        when a ref of this run already holds it (a sibling's start, a dependency's result),
        that ref: one push fewer. The run's refs stay until its end."""
        with self._lock:
            held = self._on_remote.get(spec.start)
        if held is not None:
            return dataclasses.replace(spec, start_ref=held)
        push(repo, self.remote, [(spec.start, spec.start_ref)])
        self._hold(spec.start, spec.start_ref)
        return spec

    def _hold(self, commit: str, ref: str) -> None:
        with self._lock:
            self._on_remote.setdefault(commit, ref)

    def _wait(
        self, ctx: RunContext, spec: AttemptSpec, sink: AttemptLines, needs: dict[str, float]
    ) -> dict[str, Any] | AttemptResult:
        """Submit the attempt and wait for it: its result, or how it ended without one."""
        distributed = self._distributed
        future = self.client.submit(
            run_on_worker,
            spec,
            key=f"workstream-{spec.run_id}-{spec.key}",
            pure=False,
            resources=needs or None,
            retries=0,
        )
        cancel_sent: float | None = None
        lonely_since: float | None = None
        next_look = time.monotonic() + 2.0
        while not future.done():
            with contextlib.suppress(TimeoutError):
                distributed.wait(future, timeout=0.25)
            now = time.monotonic()
            if ctx.cancel.is_set() and cancel_sent is None:
                distributed.Event(spec.cancel_event, client=self.client).set()
                cancel_sent = now
                if sink.worker is None:  # still queued: no worker has it to stop
                    future.cancel()  # one that took it this instant stops: it is not wanted
                    message = "cancelled before a worker took it"
                    sink.say(message)
                    return AttemptResult("cancelled", message)
            if cancel_sent is not None and now - cancel_sent > ctx.grace + CANCEL_PATIENCE:
                future.cancel()
                message = f"cancelled; worker {sink.worker or '?'} did not confirm it stopped"
                sink.say(message)
                return AttemptResult("cancelled", message)
            if now >= next_look and not future.done():
                next_look = now + 2.0
                if self._workers():
                    lonely_since = None
                elif lonely_since is None:
                    lonely_since = now
                elif now - lonely_since > NO_WORKER_PATIENCE:
                    future.cancel()
                    message = f"no worker left in the cluster for {NO_WORKER_PATIENCE:g}s"
                    sink.say(message)
                    return AttemptResult("failed", message, "error")
        try:
            raw: dict[str, Any] = future.result()
            return raw
        except distributed.KilledWorker:
            where = f"worker {sink.worker}" if sink.worker else "its worker"
            message = f"{where} died while it ran {spec.name}"
        except distributed.CancelledError:
            message = "the cluster's scheduler dropped it (the connection was lost)"
        except Exception as exc:  # the task raised on the worker: its own error, one line
            where = f"worker {sink.worker}" if sink.worker else "its worker"
            message = f"on {where}: {type(exc).__name__}: {exc}"
        sink.say(message)
        if ctx.cancel.is_set():
            return AttemptResult("cancelled", message)
        return AttemptResult("failed", message, "error")

    def _bring_back(
        self,
        ctx: RunContext,
        spec: AttemptSpec,
        raw: Mapping[str, Any],
        log: CappedLog,
        sink: AttemptLines,
    ) -> AttemptResult:
        """The worker's result here: its commits fetched, the step branch moved."""
        commit, saved = raw.get("commit"), raw.get("saved_commit")
        wanted = [spec.result_ref] if commit and commit != spec.start else []
        wanted += [spec.saved_ref] if saved else []
        fetch(ctx.repo, self.remote, wanted)
        if commit and commit != spec.start:
            self._hold(commit, spec.result_ref)
        if saved:
            self._hold(saved, spec.saved_ref)
        message = str(raw.get("message", ""))
        message = message.replace("; worktree kept", f" on worker {sink.worker}")
        status: Status = "succeeded" if raw.get("status") == "succeeded" else "failed"
        if raw.get("status") == "cancelled":
            status = "cancelled"
        result = AttemptResult(
            status,
            message,
            raw.get("reason"),
            start_commit=raw.get("start_commit") or spec.start,
            commit=commit,
            environment=tuple(raw.get("environment") or ()),
            saved_commit=saved,
            tool_failed=bool(raw.get("tool_failed")),
            score=raw.get("score"),
        )
        reason = f"workstream: run {ctx.run_id}: {spec.name}"
        if result.status == "succeeded" and commit:
            result.message += move_branch(ctx.repo, spec.branch, commit, reason)
        elif saved:
            note = move_branch(ctx.repo, spec.branch, saved, reason + " (unfinished)")
            sink.say(f"its changes are saved on {spec.branch} ({saved[:12]}){note}")
        text = raw.get("transcript")
        if isinstance(text, str):
            path = log.path.with_name(f"{spec.name}.transcript.md")
            path.write_text(text, encoding="utf-8")
            result.transcript = path
        return result

    # -- the cluster ----------------------------------------------------------------------

    def _workers(self) -> dict[str, Any]:
        info: dict[str, Any] = self.client.scheduler_info().get("workers", {})
        return info

    def _on_event(self, event: tuple[float, Any]) -> None:
        message = event[1]
        if not isinstance(message, dict):
            return
        with self._lock:
            sink = self._sinks.get(str(message.get("key")))
        if sink is not None:
            sink.take(message)

    def close(self) -> None:
        """Delete the run's refs on the remote, then disconnect (and stop a LocalCluster)."""
        with contextlib.suppress(GitError, ExecutorError, OSError):
            delete_remote(self._repo, self.remote, run_prefix(self._ws, self._run_id))
        self._close_client()
        with contextlib.suppress(OSError):
            remove_relay(self._state_root)

    def _close_client(self) -> None:
        with contextlib.suppress(Exception):
            self.client.unsubscribe_topic(self.topic)
        with contextlib.suppress(Exception):
            self.client.close()
        self._close_cluster()

    def _close_cluster(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None
