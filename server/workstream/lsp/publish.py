"""Publishing diagnostics: a snapshot's findings (and the runs' WS501-503) as Diagnostic JSON.

Converting is cached per text, encoding and omitted codes, so republishing (a run's status
changed, a save) converts nothing. A few findings are converted on the event loop; many (a
minified document with a finding on each of its 32,000 steps took 1.5 s of the loop to
convert and serialise) are converted in the analysis thread, then published if the document
is still at that version. Either way the loop only sends JSON-ready data (see
:mod:`workstream.lsp.bulk`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from workstream.analysis import gc_paused
from workstream.findings import Finding
from workstream.lsp import bulk
from workstream.lsp.bulk import JSON
from workstream.lsp.convert import to_diagnostic
from workstream.lsp.documents import Document
from workstream.lsp.snapshot import Snapshot
from workstream.textpos import Encoding, LineIndex

if TYPE_CHECKING:
    from workstream.lsp.server import WorkstreamServer

log = logging.getLogger(__name__)

#: Up to this many findings are converted on the event loop (a millisecond or two).
CONVERT_ON_LOOP = 200

#: Diagnostics into JSON (on the loop, or in the analysis thread: cattrs' caches tolerate it).
_CONVERTER = bulk.converter()


def convert(uri: str, index: LineIndex, findings: list[Finding], encoding: Encoding) -> list[JSON]:
    """Findings on the text ``index`` indexes, as Diagnostic JSON."""
    with gc_paused():
        converted: list[JSON] = _CONVERTER.unstructure(
            [to_diagnostic(index, uri, finding, encoding) for finding in findings]
        )
    return converted


@dataclass(frozen=True)
class _Converted:
    """The diagnostics of one text, as converted for one encoding and set of omitted codes."""

    text: str
    encoding: Encoding
    omit: frozenset[str]
    diagnostics: list[JSON]


class Publisher:
    """Converts and sends ``textDocument/publishDiagnostics``."""

    def __init__(self, server: WorkstreamServer) -> None:
        self._server = server
        self._converted: dict[str, _Converted] = {}
        self._converting: set[asyncio.Task[None]] = set()

    def forget(self, uri: str) -> None:
        """A document was closed."""
        self._converted.pop(uri, None)

    def publish(self, doc: Document) -> None:
        """Publish the diagnostics of the document's current snapshot, now or once converted."""
        snapshot = doc.snapshot
        if snapshot is None or snapshot.version != doc.version:
            return
        encoding, omit = self._server.encoding, self._server.settings.omit_codes
        converted = self._converted.get(doc.uri)
        if (
            converted is None
            or (converted.encoding, converted.omit) != (encoding, omit)
            or converted.text != snapshot.text
        ):
            # Positions in the current text: the one the snapshot analysed.
            kept = [finding for finding in snapshot.findings if finding.code not in omit]
            if len(kept) > CONVERT_ON_LOOP:
                index = doc.index()  # a frozen copy, for the thread
                task = asyncio.ensure_future(self._convert_then_send(doc, snapshot, index, kept))
                self._converting.add(task)
                task.add_done_callback(self._converted_one)
                return
            diagnostics = convert(doc.uri, doc.live_index(), kept, encoding) if kept else []
            converted = _Converted(snapshot.text, encoding, omit, diagnostics)
            self._converted[doc.uri] = converted
        self._send(doc, snapshot, converted)

    def _converted_one(self, task: asyncio.Task[None]) -> None:
        self._converting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("converting diagnostics failed", exc_info=task.exception())

    async def _convert_then_send(
        self, doc: Document, snapshot: Snapshot, index: LineIndex, kept: list[Finding]
    ) -> None:
        encoding, omit = self._server.encoding, self._server.settings.omit_codes
        loop = asyncio.get_running_loop()
        diagnostics = await loop.run_in_executor(
            self._server.analysis_pool, convert, doc.uri, index, kept, encoding
        )
        if self._server.document(doc.uri) is not doc or doc.snapshot is not snapshot:
            return  # closed, or analysed again meanwhile: that analysis publishes
        converted = _Converted(snapshot.text, encoding, omit, diagnostics)
        self._converted[doc.uri] = converted
        if doc.version == snapshot.version:
            self._send(doc, snapshot, converted)

    def _send(self, doc: Document, snapshot: Snapshot, converted: _Converted) -> None:
        runs = _CONVERTER.unstructure(self._server.runs.diagnostics(doc, snapshot))
        params = {
            "uri": doc.uri,
            "diagnostics": [*converted.diagnostics, *runs],
            "version": doc.version,
        }
        self._server.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)
