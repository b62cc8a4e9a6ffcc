"""Resolve a request's document and position against the newest analysis.

Requests never wait for an analysis they do not need: they use the document's newest snapshot
and map offsets between its analysed text and the current text (see
:mod:`workstream.lsp.snapshot`). Features that return edits ask for an exact snapshot instead.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from lsprotocol import types

from workstream.findings import Span
from workstream.lsp.convert import to_range
from workstream.lsp.diagnostics import analyse
from workstream.lsp.documents import Document
from workstream.lsp.server import WorkstreamServer
from workstream.lsp.snapshot import Change, Snapshot
from workstream.textpos import Encoding, LineIndex


@dataclass(frozen=True)
class At:
    """A request's position in the current text and in the analysed text."""

    doc: Document
    snapshot: Snapshot
    change: Change
    offset: int  # in the current text
    analysed: int | None  # the same place in the analysed text (None: inside an unseen edit)
    #: The current text's line index and the position encoding, frozen when the request
    #: arrived: what a worker thread converts positions with while edits keep arriving.
    index: LineIndex
    encoding: Encoding


def resolve(ls: WorkstreamServer, uri: str, position: types.Position | None = None) -> At | None:
    """The document's newest snapshot and the position in both texts; None for unknown URIs."""
    doc = ls.document(uri)
    if doc is None or doc.snapshot is None:
        return None
    snapshot = doc.snapshot
    change = doc.change_from(snapshot)
    offset = 0 if position is None else ls.offset(doc, position)
    return At(doc, snapshot, change, offset, change.to_old(offset), doc.index(), ls.encoding)


async def resolve_exact(
    ls: WorkstreamServer, uri: str, position: types.Position | None = None
) -> At | None:
    """Like :func:`resolve`, but analysing the current text first if needed (for edits)."""
    doc = ls.document(uri)
    if doc is None:
        return None
    snapshot = doc.snapshot
    if snapshot is None or snapshot.version != doc.version:
        version, text = doc.version, doc.text
        base, change = doc.incremental_base()
        loop = asyncio.get_running_loop()
        snapshot = await loop.run_in_executor(
            ls.analysis_pool, analyse, version, text, base, change
        )
        if ls.document(uri) is not doc or doc.version != version:
            return None  # changed meanwhile: the client will ask again
        doc.install(snapshot)
    return resolve(ls, uri, position)


def to_current(at: At, span: Span) -> types.Range | None:
    """The range in the current text of a span of the analysed text (None if edited away)."""
    moved = at.change.span_to_new(span)
    return None if moved is None else to_range(at.index, moved, at.encoding)
