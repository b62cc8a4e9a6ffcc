"""Diagnostics: analyse documents off the event loop, debounced, never publishing stale results.

After an edit the document waits for a quiet period (``debounceMs``, 150 ms by default); on
open and save it is analysed at once. The analysis runs in a worker thread, one at a time per
document: an edit arriving meanwhile is analysed right after. A result is published only if the
document is still open at that very version, so an older result never replaces a newer one;
it is still kept as the document's snapshot, so requests have the freshest model there is.

Incremental path: when the text differs from the last analysed one only by typing inside a
string no check reads (a description, a task), every finding is the same, merely shifted; they
are published at once from the previous analysis, and a full analysis follows after a second
of quiet to refresh the model that hover shows.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from workstream.analysis import analyze
from workstream.lsp.convert import to_diagnostic
from workstream.lsp.documents import Document
from workstream.lsp.query import free_text_edit
from workstream.lsp.snapshot import Snapshot, shift_finding

if TYPE_CHECKING:
    from workstream.lsp.server import WorkstreamServer

log = logging.getLogger(__name__)

#: Quiet time before the full analysis that follows an incremental publish.
REFRESH_DELAY = 1.0


def analyse(version: int, text: str) -> Snapshot:
    """Analyse one text completely (runs in the worker thread)."""
    analysis = analyze(text)
    snapshot = Snapshot(version, text, analysis, list(analysis.findings))
    snapshot.warm()
    return snapshot


def carried_over(base: Snapshot, version: int, text: str) -> Snapshot | None:
    """The findings of ``text`` derived from ``base`` without analysing, when that is exact."""
    analysis = base.analysis
    change = base.change_to(text)
    if change.empty:
        return base.derive(version, text, list(analysis.findings))
    inserted = text[change.start : change.new_end]
    if not free_text_edit(analysis, change.start, change.old_end, inserted):
        return None
    findings = []
    for finding in analysis.findings:
        moved = shift_finding(finding, change)
        if moved is None:
            return None
        findings.append(moved)
    return base.derive(version, text, findings)


class DiagnosticsScheduler:
    """Schedules analyses per document and publishes their diagnostics."""

    def __init__(self, server: WorkstreamServer) -> None:
        self._server = server
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: dict[str, bool] = {}

    def schedule(self, uri: str, delay: float | None = None, *, full: bool = False) -> None:
        """Analyse ``uri`` after ``delay`` seconds (default: the debounce) of quiet."""
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if delay is None:
            delay = self._server.settings.debounce_ms / 1000
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(delay, self._start, uri, full)

    def forget(self, uri: str) -> None:
        """A document was closed: drop pending work and clear its diagnostics."""
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self._again.pop(uri, None)
        self._server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def _start(self, uri: str, full: bool) -> None:
        self._timers.pop(uri, None)
        if uri in self._running:
            self._again[uri] = self._again.get(uri, False) or full
            return
        task = asyncio.ensure_future(self._analyse(uri, full))
        self._running[uri] = task
        task.add_done_callback(lambda done: self._finished(uri, done))

    def _finished(self, uri: str, task: asyncio.Task[None]) -> None:
        self._running.pop(uri, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("analysis of %s failed", uri, exc_info=task.exception())
        if uri in self._again:
            self._start(uri, self._again.pop(uri))

    async def _analyse(self, uri: str, full: bool) -> None:
        server = self._server
        doc = server.document(uri)
        if doc is None:
            return
        version, text = doc.version, doc.text
        base = doc.snapshot
        if full and base is not None and base.version == version and base.exact:
            return  # already exact
        snapshot = None if full or base is None else carried_over(base, version, text)
        if snapshot is None:
            loop = asyncio.get_running_loop()
            snapshot = await loop.run_in_executor(server.analysis_pool, analyse, version, text)
        if server.document(uri) is not doc:
            return  # closed (or reopened) meanwhile
        if doc.snapshot is None or doc.snapshot.version <= version:
            doc.snapshot = snapshot
        if doc.version != version:
            return  # a newer version is on its way: never publish an older one
        self.publish(doc)
        if not snapshot.exact:
            self.schedule(uri, REFRESH_DELAY, full=True)

    def publish(self, doc: Document) -> None:
        """Publish the diagnostics of the document's current snapshot (analysis and runs)."""
        snapshot = doc.snapshot
        if snapshot is None or snapshot.version != doc.version:
            return
        encoding = self._server.encoding
        diagnostics = [to_diagnostic(doc, finding, encoding) for finding in snapshot.findings]
        diagnostics.extend(self._server.runs.diagnostics(doc, snapshot))
        self._server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=doc.uri, diagnostics=diagnostics, version=doc.version
            )
        )
