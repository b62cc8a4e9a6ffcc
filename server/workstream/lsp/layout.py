"""``textDocument/formatting`` and ``textDocument/foldingRange`` for workstream files.

A workstream file is a language of its own in the editor (no second JSON service laying out
or folding it), so the server formats it — JSONC with its comments and trailing commas kept,
as :func:`workstream.jsonc.layout.format_jsonc` lays it out with the client's indentation —
and says where it folds. A file with a syntax error is not formatted (no edits).
"""

from __future__ import annotations

from lsprotocol import types

from workstream.findings import Span
from workstream.jsonc.layout import folding_ranges, format_jsonc
from workstream.lsp.bulk import off_loop
from workstream.lsp.context import At, resolve_exact
from workstream.lsp.convert import to_range
from workstream.lsp.server import WorkstreamServer


def _edits(at: At, indent: str) -> list[types.TextEdit]:
    text = at.index.text
    laid_out = format_jsonc(text, indent, syntax_ok=not at.snapshot.analysis.parsed.errors)
    if laid_out is None or laid_out == text:
        return []
    whole = to_range(at.index, Span(0, len(text)), at.encoding)
    return [types.TextEdit(range=whole, new_text=laid_out)]


async def formatting(
    ls: WorkstreamServer, params: types.DocumentFormattingParams
) -> list[types.TextEdit] | None:
    """One edit that lays the whole document out anew (none when it already is, or is broken)."""
    at = await resolve_exact(ls, params.text_document.uri)
    if at is None:
        return None
    options = params.options
    indent = " " * max(1, min(options.tab_size, 8)) if options.insert_spaces else "\t"
    return await off_loop(ls, _edits, at, indent)


def _folds(text: str) -> list[types.FoldingRange]:
    return [
        types.FoldingRange(
            start_line=fold.start,
            end_line=fold.end,
            kind=types.FoldingRangeKind.Comment if fold.comment else None,
        )
        for fold in folding_ranges(text)
    ]


async def folding(
    ls: WorkstreamServer, params: types.FoldingRangeParams
) -> list[types.FoldingRange] | None:
    """The containers and block comments that span lines."""
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    return await off_loop(ls, _folds, doc.text)


def register(server: WorkstreamServer) -> None:
    """Register formatting and folding."""
    server.feature(types.TEXT_DOCUMENT_FORMATTING)(formatting)
    server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)(folding)
