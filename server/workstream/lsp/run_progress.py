"""The standard progress of one run: ``window/workDoneProgress/create``, then ``$/progress``
begin ("starting"), reports ("3/7 done — running: a, b", with a percentage) and end.

The bar is cancellable: the client's cancel button (``window/workDoneProgress/cancel``) cancels
the run. A client without progress support, or one that refuses the token, still gets its runs,
without a bar.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from workstream.lsp.server import WorkstreamServer

log = logging.getLogger(__name__)


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
