"""How one run's progress and outcome reach the client.

The standard way: ``window/workDoneProgress/create``, then ``$/progress`` begin ("starting"),
reports ("3/7 done — running: a, b", with a percentage) and end, and a ``window/showMessage``
summary at the end. The bar is cancellable: the client's cancel button
(``window/workDoneProgress/cancel``) cancels the run. A client without progress support, or one
that refuses the token, still gets its runs, without a bar.

A client that shows runs itself (``clientShowsRuns``, the VS Code extension: a notification
with Cancel and a summary with buttons) gets neither; it gets ``workstream/runStatus``::

    {"uri", "workstreamId", "runId", "status": "started", "steps": [ids]}
    {"uri", "workstreamId", "runId", "status": <the run's final status>, "durationMs",
     "counts": {status: n}, "resultBranch", "message": <the summary line>}

with ``status`` "failed" and the reason in ``message`` when the run could not start. Step
changes come as ``workstream/stepStatus`` in both cases (:mod:`workstream.lsp.runs`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from workstream.executor import RunFinished
    from workstream.lsp.server import WorkstreamServer

log = logging.getLogger(__name__)

RUN_STATUS = "workstream/runStatus"


def summary(workstream_id: str, event: RunFinished, counts: dict[str, int]) -> str:
    """The line a finished run is summed up in."""
    listed = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    text = f"Workstream {workstream_id}: run {event.status}"
    text += f" ({listed})" if listed else ""
    text += f" in {event.duration_ms / 1000:.1f} s."
    if event.result_branch:
        text += f" Result: {event.result_branch}"
    return text


class RunProgress:
    """The progress bar of one run (nothing is sent until :meth:`begin` succeeds)."""

    def __init__(self, server: WorkstreamServer, run_id: str, title: str) -> None:
        self._server = server
        self._run_id = run_id
        self._title = title
        #: The token of a bar in progress (None before it began and after it ended).
        self.token: str | None = None

    async def begin(self) -> bool:
        """Create the token and begin; False when the client has no bar for it."""
        caps = self._server.client_capabilities
        if self._server.settings.client_shows_runs:
            return False  # the client draws its own, from workstream/runStatus
        if not (caps.window and caps.window.work_done_progress):
            return False
        token = f"workstream-run-{self._run_id}"
        try:
            await self._server.work_done_progress.create_async(token)
        except Exception as exc:  # the client refused: runs still work, without a bar
            log.info("no progress for run %s: %s", self._run_id, exc)
            return False
        self.token = token
        self._server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=self._title,
                cancellable=True,  # the client's cancel button cancels the run
                message="starting",
                percentage=0,
            ),
        )
        return True

    def owns(self, token: str | int) -> bool:
        """True when ``token`` is this bar's."""
        return self.token is not None and self.token == token

    def report(self, done: int, steps: tuple[str, ...], running: list[str]) -> None:
        """Report how many steps are done and which are running."""
        if self.token is None:
            return
        message = f"{done}/{len(steps)} done"
        if running:
            message += " — running: " + ", ".join(running)
        percentage = min(100, done * 100 // (len(steps) or 1))
        self._server.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )

    def end(self, message: str) -> None:
        """End the bar (once)."""
        if self.token is not None:
            self._server.work_done_progress.end(
                self.token, types.WorkDoneProgressEnd(message=message)
            )
            self.token = None

    def _run_status(self, uri: str, workstream_id: str, status: str, **more: Any) -> None:
        params = {"uri": uri, "workstreamId": workstream_id, "runId": self._run_id}
        self._server.protocol.notify(RUN_STATUS, {**params, "status": status, **more})

    def started(self, uri: str, workstream_id: str, steps: tuple[str, ...]) -> None:
        """The run began with ``steps``: tell a client that shows runs itself."""
        if self._server.settings.client_shows_runs:
            self._run_status(uri, workstream_id, "started", steps=list(steps))

    def finished(
        self, uri: str, workstream_id: str, event: RunFinished, counts: dict[str, int]
    ) -> None:
        """The run ended: end the bar and sum it up (a message, or ``workstream/runStatus``)."""
        text = summary(workstream_id, event, counts)
        listed = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.end(f"{event.status}: {listed}")
        if self._server.settings.client_shows_runs:
            self._run_status(
                uri,
                workstream_id,
                event.status,
                durationMs=event.duration_ms,
                counts=counts,
                resultBranch=event.result_branch,
                message=text,
            )
            return
        ok = event.status == "succeeded"
        kind = types.MessageType.Info if ok else types.MessageType.Warning
        self._server.window_show_message(types.ShowMessageParams(type=kind, message=text))

    def failed_to_start(self, uri: str, workstream_id: str, message: str) -> None:
        """The run could not start (a lock held, a bad base...): say why."""
        text = f"Workstream run failed to start: {message}"
        self.end(f"failed to start: {message}")
        if self._server.settings.client_shows_runs:
            self._run_status(uri, workstream_id, "failed", message=text, counts={})
            return
        self._server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=text)
        )
