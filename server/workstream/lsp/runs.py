"""Runs from the editor: the executor's events as standard LSP progress, notifications,
diagnostics and code lenses.

A run command returns its run id at once; the executor runs in a background thread and its
events (delivered on the executor's threads) are handed to the event loop, where they become:

* ``$/progress`` begin / report ("3/7 done — running: a, b", with a percentage) / end, after
  ``window/workDoneProgress/create`` when the client supports it;
* the notification ``workstream/stepStatus`` ``{uri, workstreamId, runId, stepId, status,
  durationMs, message, logPath}`` for each change;
* WS501-WS503 diagnostics on the id of each failed step (the tail of its log in the message,
  a related location pointing at the log file), and ``workspace/codeLens/refresh``;
* a ``window/showMessage`` warning when the run starts with warnings (uncommitted changes it
  will not see, no sandbox), as the command line prints them, and a summary at the end;
* for a client that shows runs itself (``clientShowsRuns``: the VS Code extension), the
  notification ``workstream/runStatus`` when the run starts and ends, instead of the
  progress and the summary message.

A run goes to the Dask cluster of the server's ``cluster`` setting (and ``remote``:
:class:`~workstream.lsp.server.Settings`), as ``workstream run --cluster --remote`` would,
else where the file's ``execution.cluster`` says; its events are the same either way.

Statuses survive a restart: they are read back from the executor's state file when a document
opens (:mod:`workstream.lsp.statuses`). Nothing here runs anything unless :meth:`Runs.start` is
called by a run command, and that only for a file the workspace may run
(:mod:`workstream.lsp.trust`). The progress bar, ``workstream/runStatus`` and the summary are
:mod:`workstream.lsp.run_progress`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from workstream.lsp.documents import Document
from workstream.lsp.refusal import errors_message
from workstream.lsp.run_progress import RunProgress
from workstream.lsp.snapshot import Snapshot
from workstream.lsp.statuses import (
    StepStatus,
    candidate_lines,
    definition,
    failure_diagnostics,
    lens_text,
    load_statuses,
    read_tail,
)
from workstream.lsp.trust import RunRefused, runnable_path

if TYPE_CHECKING:
    from workstream.executor import Event, Executor
    from workstream.lsp.server import WorkstreamServer
    from workstream.model import Workstream

STEP_STATUS = "workstream/stepStatus"
#: Seconds beyond the kill grace that shutting down waits for cancelled runs to stop.
SHUTDOWN_MARGIN_S = 5.0


@dataclass
class ActiveRun:
    """A run in progress."""

    run_id: str
    uri: str
    workstream_id: str
    executor: Executor
    progress: RunProgress
    steps: tuple[str, ...] = ()
    running: list[str] = field(default_factory=list)
    done: int = 0
    progress_ready: asyncio.Future[bool] | None = None
    #: Events that arrived before the progress began, handled in order once it has.
    backlog: list[tuple[Event, str]] = field(default_factory=list)
    thread: threading.Thread | None = None
    #: Each planned step's fingerprint and dependencies, as this run records them.
    definitions: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


class Runs:
    """Step statuses per document, and the runs in progress."""

    def __init__(self, server: WorkstreamServer) -> None:
        self._server = server
        self._statuses: dict[str, dict[str, StepStatus]] = {}
        self._loading: set[str] = set()
        self._active: dict[str, ActiveRun] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ statuses

    def statuses(self, uri: str) -> dict[str, StepStatus]:
        """The known statuses of a document's steps (empty until loaded)."""
        return self._statuses.get(uri, {})

    def transcript(self, uri: str, step_id: str) -> str | None:
        """The transcript file of a step's last run, if its tool kept one."""
        entry = self.statuses(uri).get(step_id)
        return None if entry is None else entry.transcript_path

    def status_text(self, uri: str, step_id: str, model: Workstream | None = None) -> str | None:
        """A step's last status as text, if known ("· changed since" when the step of
        ``model`` is no longer what ran); a step with candidates adds a line for each
        (its status, score, whether it was selected, its branch)."""
        entry = self.statuses(uri).get(step_id)
        if entry is None:
            return None
        text = lens_text(entry, model, None if model is None else model.step(step_id))
        return "\n".join([text, *candidate_lines(entry)])

    def load(self, uri: str, again: bool = False) -> None:
        """Read the last run's statuses from the state file, in the background (once, unless
        ``again``: a run has finished, and the state file knows which entries are stale)."""
        if uri in self._loading or not uri.startswith("file:"):
            return
        if uri in self._statuses and not again:
            return
        self._loading.add(uri)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._server.thread_pool, load_statuses, uri)
        future.add_done_callback(lambda done: self._loaded(uri, done))

    def _loaded(self, uri: str, done: asyncio.Future[dict[str, StepStatus]]) -> None:
        self._loading.discard(uri)
        if done.cancelled() or done.exception() is not None:
            return
        statuses = done.result()
        running = any(run.uri == uri for run in self._active.values())  # it knows better
        if not running and (statuses or uri not in self._statuses):
            self._statuses[uri] = statuses
        if statuses:
            self._changed(uri)

    def diagnostics(self, doc: Document, snapshot: Snapshot) -> list[types.Diagnostic]:
        """WS501-WS503 on the id of each step whose last run failed."""
        return failure_diagnostics(doc, snapshot, self.statuses(doc.uri), self._server.encoding)

    def _changed(self, uri: str) -> None:
        """Statuses of ``uri`` changed: republish its diagnostics and refresh the lenses."""
        doc = self._server.document(uri)
        if doc is not None:
            self._server.diagnostics.publish(doc)
        self.refresh_lenses()

    def refresh_lenses(self) -> None:
        """Ask the client to re-request code lenses, when it supports that."""
        caps = self._server.client_capabilities
        workspace = caps.workspace if caps else None
        code_lens = workspace.code_lens if workspace else None
        if code_lens is not None and code_lens.refresh_support:
            self._server.workspace_code_lens_refresh(None)

    # ---------------------------------------------------------------------- runs

    async def start(self, uri: str, steps: tuple[str, ...]) -> str:
        """Start a run of ``uri`` (only ``steps`` and what they need, when given); its id.

        Refused (:class:`~workstream.lsp.trust.RunRefused`) unless the workspace is trusted
        and the file lies inside one of its folders.
        """
        server = self._server
        path = runnable_path(server.settings.trusted, server.folders, uri)
        from workstream.executor import ExecutorError, RunOptions, WorkstreamInvalid

        name = path.name
        doc = server.document(uri)
        snapshot = None if doc is None else doc.snapshot
        current = doc is not None and snapshot is not None and snapshot.version == doc.version
        if current and snapshot is not None and (errors := snapshot.analysis.errors):
            raise RunRefused(errors_message(name, snapshot.text, errors))

        loop = asyncio.get_running_loop()
        self._loop = loop

        definitions: dict[str, tuple[str, tuple[str, ...]]] = {}
        settings = server.settings
        options = RunOptions(steps=steps, cluster=settings.cluster, remote=settings.remote)

        def prepare() -> Executor:
            from workstream.executor import Executor

            executor = Executor(path, options)
            for step_id in executor.plan.steps:
                if (step := executor.model.step(step_id)) is not None:
                    definitions[step_id] = definition(executor.model, step)
            return executor

        try:
            executor = await loop.run_in_executor(server.thread_pool, prepare)
        except WorkstreamInvalid as exc:
            raise RunRefused(errors_message(name, exc.text, exc.findings, saved=True)) from None
        except ExecutorError as exc:
            raise RunRefused(str(exc)) from None
        title = f"Workstream {executor.model.id}"
        progress = RunProgress(server, executor.run_id, title)
        run = ActiveRun(executor.run_id, uri, executor.model.id, executor, progress)
        run.definitions = definitions
        self._active[run.run_id] = run
        run.progress_ready = asyncio.ensure_future(progress.begin())
        run.progress_ready.add_done_callback(lambda _: self._drain(run))
        executor.subscribe(lambda event: self._from_thread(run, event))
        thread = threading.Thread(
            target=self._run, args=(run,), name=f"run-{run.run_id}", daemon=True
        )
        run.thread = thread
        thread.start()
        return run.run_id

    def cancel(self, run_id: str) -> bool:
        """Cancel a run in progress; False when there is no such run."""
        run = self._active.get(run_id)
        if run is None:
            return False
        run.executor.cancel()
        return True

    def active_run(self, uri: str) -> str | None:
        """The id of the run of ``uri`` in progress, if any."""
        return next((run.run_id for run in self._active.values() if run.uri == uri), None)

    def cancel_progress(self, token: str | int) -> bool:
        """The user cancelled a run's progress in the client: cancel that run."""
        for run in self._active.values():
            if run.progress.owns(token):
                run.executor.cancel()
                return True
        return False

    def shutdown(self) -> None:
        """Cancel every run in progress and wait until their steps have stopped.

        The server is going away (``exit``, or the client's end of the pipe closed): a step
        left running would outlive its editor (an AI tool, spending money). Cancelling stops
        each step's process group (TERM, then KILL after the run's grace); the wait is
        bounded by that grace and a margin, and the threads are daemons, so a wedged run
        cannot keep the process alive.
        """
        runs = list(self._active.values())
        for run in runs:
            run.executor.cancel()
        deadline = (
            time.monotonic()
            + SHUTDOWN_MARGIN_S
            + max((run.executor.options.kill_grace for run in runs), default=0.0)
        )
        for run in runs:
            if run.thread is not None:
                run.thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self, run: ActiveRun) -> None:
        """The run's thread: run the executor; report a failure to start as an event."""
        try:
            run.executor.run()
        except Exception as exc:  # a run that could not start (lock held, bad base, ...)
            self._call_soon(self._failed_to_start, run, str(exc))

    def _call_soon(self, callback: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(callback, *args)

    def _from_thread(self, run: ActiveRun, event: Event) -> None:
        from workstream.executor import StepFinished

        tail = ""
        if isinstance(event, StepFinished) and event.status == "failed":
            tail = read_tail(event.log_path)  # file I/O stays off the event loop
        self._call_soon(self._on_event, run, event, tail)

    def _failed_to_start(self, run: ActiveRun, message: str) -> None:
        self._active.pop(run.run_id, None)
        run.progress.failed_to_start(run.uri, run.workstream_id, message)

    # ------------------------------------------------------------------- events

    def _drain(self, run: ActiveRun) -> None:
        backlog, run.backlog = run.backlog, []
        for event, tail in backlog:
            self._handle(run, event, tail)

    def _on_event(self, run: ActiveRun, event: Event, tail: str) -> None:
        ready = run.progress_ready
        if ready is not None and not ready.done():
            run.backlog.append((event, tail))  # progress must begin before it reports
            return
        self._handle(run, event, tail)

    def _report(self, run: ActiveRun) -> None:
        run.progress.report(run.done, run.steps, run.running)

    def _handle(self, run: ActiveRun, event: Event, tail: str) -> None:
        from workstream.executor import (
            RunFinished,
            RunStarted,
            StepFinished,
            StepQueued,
            StepStarted,
        )

        statuses = self._statuses.setdefault(run.uri, {})
        if isinstance(event, RunStarted):
            run.steps = event.steps
            if event.warnings:  # e.g. uncommitted changes the run will not see
                self._server.window_show_message(
                    types.ShowMessageParams(
                        type=types.MessageType.Warning,
                        message=f"Workstream {run.workstream_id}: " + " · ".join(event.warnings),
                    )
                )
            self._report(run)
            run.progress.started(run.uri, run.workstream_id, event.steps)
        elif isinstance(event, StepQueued):
            statuses[event.step_id] = StepStatus("queued", run.run_id)
            self._notify(run, event.step_id, statuses[event.step_id])
        elif isinstance(event, StepStarted):
            statuses[event.step_id] = StepStatus("running", run.run_id)
            if event.step_id not in run.running:
                run.running.append(event.step_id)
            self._notify(run, event.step_id, statuses[event.step_id])
            self._report(run)
            self.refresh_lenses()
        elif isinstance(event, StepFinished):
            entry = StepStatus(
                event.status,
                run.run_id,
                event.duration_ms,
                event.message,
                event.log_path,
                event.reason,
                tail,
                event.transcript_path,
                *run.definitions.get(event.step_id, ("", None)),
            )
            statuses[event.step_id] = entry
            if event.step_id in run.running:
                run.running.remove(event.step_id)
            run.done += 1
            self._notify(run, event.step_id, entry)
            self._report(run)
            self._changed(run.uri)
        elif isinstance(event, RunFinished):
            self._active.pop(run.run_id, None)
            counts: dict[str, int] = {}
            for step_id in run.steps:
                status = statuses.get(step_id)
                if status is not None and status.run_id == run.run_id:
                    counts[status.status] = counts.get(status.status, 0) + 1
            run.progress.finished(run.uri, run.workstream_id, event, counts)
            self._changed(run.uri)
            self.load(run.uri, again=True)  # the steps this run left alone may be stale now

    def _notify(self, run: ActiveRun, step_id: str, entry: StepStatus) -> None:
        self._server.protocol.notify(
            STEP_STATUS,
            {
                "uri": run.uri,
                "workstreamId": run.workstream_id,
                "runId": run.run_id,
                "stepId": step_id,
                "status": entry.status,
                "durationMs": entry.duration_ms,
                "message": entry.message,
                "logPath": entry.log_path,
            },
        )
