"""Diagnostics: analyse documents off the event loop, debounced, never publishing stale results.

After an edit the document waits for a quiet period (``debounceMs``, 150 ms by default); on
open and save it is analysed at once. The analysis runs in a worker thread, one at a time per
document: an edit arriving meanwhile is analysed right after. A result is published only if the
document is still open at that very version, so an older result never replaces a newer one;
it is still kept as the document's snapshot, so requests have the freshest model there is.

The worker also converts the findings into Diagnostic JSON (positions in the negotiated
encoding), so the event loop only sends them: a minified document with a finding on each of
its 32,000 steps took 1.5 s of the loop to convert and serialise.

Incremental path: the worker hands the previous analysis to the core's
:func:`workstream.analysis.incremental.reanalyze`, which re-decodes only the step an edit
falls in and reruns only the checks whose facts changed (exactly what a full analysis gives);
anything it declines gets the full analysis.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from workstream.analysis import Analysis, analyze, gc_paused
from workstream.analysis.incremental import reanalyze
from workstream.findings import Finding
from workstream.lsp import bulk
from workstream.lsp.bulk import JSON
from workstream.lsp.convert import to_diagnostic
from workstream.lsp.documents import Document
from workstream.lsp.snapshot import Change, Snapshot, diff
from workstream.textpos import Encoding, LineIndex

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


#: Turns diagnostics into JSON, in the analysis thread (and on the loop, rarely).
_CONVERTER = bulk.converter()


def convert(
    uri: str, text: str, findings: list[Finding], encoding: Encoding, omit: frozenset[str]
) -> list[JSON]:
    """The findings on ``text`` as Diagnostic JSON, minus the ``omit`` codes."""
    index = LineIndex(text)
    kept = [to_diagnostic(index, uri, f, encoding) for f in findings if f.code not in omit]
    converted: list[JSON] = _CONVERTER.unstructure(kept)
    return converted


def analyse_and_convert(
    uri: str,
    version: int,
    text: str,
    base: Analysis | None,
    change: Change | None,
    encoding: Encoding,
    omit: frozenset[str],
) -> tuple[Snapshot, list[JSON]]:
    """:func:`analyse`, and the diagnostics to publish, converted (runs in the worker
    thread: tens of thousands of findings on a long line take a second to convert)."""
    snapshot = analyse(version, text, base, change)
    with gc_paused():
        return snapshot, convert(uri, text, snapshot.findings, encoding, omit)


@dataclass(frozen=True)
class _Converted:
    """The diagnostics of one text, as converted for one encoding and set of omitted codes."""

    text: str
    encoding: Encoding
    omit: frozenset[str]
    diagnostics: list[JSON]


class DiagnosticsScheduler:
    """Schedules analyses per document and publishes their diagnostics."""

    def __init__(self, server: WorkstreamServer) -> None:
        self._server = server
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._converted: dict[str, _Converted] = {}

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
        self._converted.pop(uri, None)
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
            encoding, omit = server.encoding, server.settings.omit_codes
            loop = asyncio.get_running_loop()
            snapshot, diagnostics = await loop.run_in_executor(
                server.analysis_pool,
                analyse_and_convert,
                *(uri, version, text, base, change, encoding, omit),
            )
            self._converted[uri] = _Converted(text, encoding, omit, diagnostics)
        if server.document(uri) is not doc:
            return  # closed (or reopened) meanwhile
        if doc.snapshot is None or doc.snapshot.version <= version:
            doc.install(snapshot)
        if doc.version != version:
            return  # a newer version is on its way: never publish an older one
        self.publish(doc)

    def publish(self, doc: Document) -> None:
        """Publish the diagnostics of the document's current snapshot (analysis and runs)."""
        snapshot = doc.snapshot
        if snapshot is None or snapshot.version != doc.version:
            return
        encoding = self._server.encoding
        omit = self._server.settings.omit_codes
        converted = self._converted.get(doc.uri)
        if (
            converted is None
            or (converted.encoding, converted.omit) != (encoding, omit)
            or converted.text != snapshot.text
        ):  # not converted by the worker (rare): convert here
            diagnostics = convert(doc.uri, snapshot.text, snapshot.findings, encoding, omit)
            converted = _Converted(snapshot.text, encoding, omit, diagnostics)
            self._converted[doc.uri] = converted
        runs = _CONVERTER.unstructure(self._server.runs.diagnostics(doc, snapshot))
        params = {
            "uri": doc.uri,
            "diagnostics": [*converted.diagnostics, *runs],
            "version": doc.version,
        }
        self._server.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)
