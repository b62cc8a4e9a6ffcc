"""Resolve a request's document and position against the newest analysis.

Navigation never waits for an analysis it does not need: it uses the document's newest
snapshot and maps offsets between its analysed text and the current text (see
:mod:`workstream.lsp.snapshot`). Completion, hover and code actions answer for the text the
client had when it asked (:func:`resolve_fresh`: the analysis of exactly that text, waited for
when the newest snapshot is older). Rename asks for an exact snapshot of the current text, or
nothing when an edit arrives meanwhile (:func:`resolve_exact`).
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


async def resolve_fresh(
    ls: WorkstreamServer, uri: str, position: types.Position | None = None
) -> At | None:
    """The analysis of the text the request was made on, and the position in it.

    When the newest snapshot is of an older version, the text as it is now (when the request
    arrived: the client's edits before it have been applied, in order) is analysed first. The
    answer is for that text even if more edits arrive meanwhile, as LSP defines a request's
    positions; the snapshot becomes the document's newest if nothing newer was installed.
    None for unknown URIs.
    """
    doc = ls.document(uri)
    if doc is None:
        return None
    snapshot = doc.snapshot
    if snapshot is not None and snapshot.version == doc.version:
        return resolve(ls, uri, position)
    version, text, index = doc.version, doc.text, doc.index()
    offset = 0 if position is None else ls.offset(doc, position)
    base, change = doc.incremental_base()
    loop = asyncio.get_running_loop()
    fresh = await loop.run_in_executor(ls.analysis_pool, analyse, version, text, base, change)
    newest = doc.snapshot
    if ls.document(uri) is doc and (newest is None or newest.version < version):
        doc.install(fresh)
    return At(doc, fresh, Change(0, 0, 0), offset, offset, index, ls.encoding)


def to_current(at: At, span: Span) -> types.Range | None:
    """The range in the current text of a span of the analysed text (None if edited away)."""
    moved = at.change.span_to_new(span)
    return None if moved is None else to_range(at.index, moved, at.encoding)
