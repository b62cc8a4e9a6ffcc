"""Diagnostics: analyse documents off the event loop, debounced, never publishing stale results.

After an edit the document waits for a quiet period (``debounceMs``, 150 ms by default); on
open and save it is analysed at once. The analysis runs in a worker thread, one at a time per
document: an edit arriving meanwhile is analysed right after. A result is published only if the
document is still open at that very version, so an older result never replaces a newer one;
it is still kept as the document's snapshot, so requests have the freshest model there is.

Publishing (converting the findings, off the loop when there are many) is
:mod:`workstream.lsp.publish`.

Incremental path: the worker hands the previous analysis to the core's
:func:`workstream.analysis.incremental.reanalyze`, which re-decodes only the step an edit
falls in and reruns only the checks whose facts changed (exactly what a full analysis gives);
anything it declines gets the full analysis.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from workstream.analysis import Analysis, analyze
from workstream.analysis.incremental import reanalyze
from workstream.lsp.documents import Document
from workstream.lsp.publish import Publisher
from workstream.lsp.snapshot import Change, Snapshot, diff

if TYPE_CHECKING:
    from workstream.lsp.server import WorkstreamServer

log = logging.getLogger(__name__)


def analyse(
    version: int, text: str, base: Analysis | None = None, change: Change | None = None
) -> Snapshot:
    """Analyse one text (runs in the worker thread), incrementally from ``base`` when possible.

    ``change`` is how ``text`` differs from ``base.text`` when the caller knows it.
    """
    analysis = None
    if base is not None:
        if change is None:
            change = diff(base.text, text)
        analysis = reanalyze(base, text, change.start, change.old_end, change.new_end)
    if analysis is None:
        analysis = analyze(text)
    snapshot = Snapshot(version, text, analysis, list(analysis.findings))
    snapshot.warm()
    return snapshot


class DiagnosticsScheduler:
    """Schedules analyses per document and publishes their diagnostics."""

    def __init__(self, server: WorkstreamServer) -> None:
        self._server = server
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._publisher = Publisher(server)

    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Analyse ``uri`` after ``delay`` seconds (default: the debounce) of quiet."""
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if delay is None:
            delay = self._server.settings.debounce_ms / 1000
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(delay, self._start, uri)

    def forget(self, uri: str) -> None:
        """A document was closed: drop pending work and clear its diagnostics."""
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self._again.discard(uri)
        self._publisher.forget(uri)
        self._server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def _start(self, uri: str) -> None:
        self._timers.pop(uri, None)
        if uri in self._running:
            self._again.add(uri)
            return
        task = asyncio.ensure_future(self._analyse(uri))
        self._running[uri] = task
        task.add_done_callback(lambda done: self._finished(uri, done))

    def _finished(self, uri: str, task: asyncio.Task[None]) -> None:
        self._running.pop(uri, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("analysis of %s failed", uri, exc_info=task.exception())
        if uri in self._again:
            self._again.discard(uri)
            self._start(uri)

    async def _analyse(self, uri: str) -> None:
        server = self._server
        doc = server.document(uri)
        if doc is None:
            return
        version, text = doc.version, doc.text
        previous = doc.snapshot
        if previous is not None and previous.text == text:
            snapshot = previous.derive(version, text, list(previous.findings))  # e.g. a save
        else:
            base, change = doc.incremental_base()
            loop = asyncio.get_running_loop()
            snapshot = await loop.run_in_executor(
                server.analysis_pool, analyse, version, text, base, change
            )
        if server.document(uri) is not doc:
            return  # closed (or reopened) meanwhile
        if doc.snapshot is None or doc.snapshot.version <= version:
            doc.install(snapshot)
        if doc.version != version:
            return  # a newer version is on its way: never publish an older one
        self.publish(doc)

    def publish(self, doc: Document) -> None:
        """Publish the diagnostics of the document's current snapshot (analysis and runs)."""
        self._publisher.publish(doc)
