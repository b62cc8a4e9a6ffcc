"""Big answers (the outline, the code lenses): built in a worker thread as JSON-ready data.

A one-line 32,000-step document has 100,000 ranges in its outline. Built as lsprotocol objects
on the event loop and unstructured there by cattrs, such an answer held every other request up
for seconds. Here a handler resolves its request on the loop (the snapshot, the change since
it, the frozen line index: see :class:`workstream.lsp.context.At`) and hands the rest to
:func:`off_loop`: a worker thread converts every span in one pass over the text
(:func:`ranges`) and builds plain dicts shaped like the LSP types, which the loop only has to
serialise (``json.dumps``, C speed). Hover and diagnostics are answered meanwhile.

:class:`Wire` marks such data; :func:`converter` (the server's cattrs converter) sends it as is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import cattrs
from pygls.protocol import default_converter

from workstream.analysis import gc_paused
from workstream.findings import Span

if TYPE_CHECKING:
    from workstream.lsp.context import At
    from workstream.lsp.server import WorkstreamServer

#: A JSON object of the protocol (a Range, a DocumentSymbol, a CodeLens, ...).
JSON = dict[str, Any]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Wire:
    """An answer already in its JSON shape: sent without going through cattrs."""

    payload: Any


def converter() -> cattrs.Converter:
    """pygls' converter, passing :class:`Wire` answers through untouched."""
    conv: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    conv.register_unstructure_hook(Wire, lambda wire: wire.payload)
    return conv


def ranges(at: At, spans: Sequence[Span | None]) -> list[JSON | None]:
    """Spans of the analysed text as LSP ranges of the current text, in the same order (None
    for a missing span or one edited away); every position is converted in one pass."""
    change = at.change
    moved = spans if change.empty else [None if s is None else change.span_to_new(s) for s in spans]
    offsets = [offset for span in moved if span is not None for offset in (span.start, span.end)]
    points = {
        offset: {"line": line, "character": column}
        for offset, (line, column) in at.index.positions(offsets, at.encoding).items()
    }
    return [
        None if span is None else {"start": points[span.start], "end": points[span.end]}
        for span in moved
    ]


def _paused(work: Callable[..., T], *args: Any) -> T:
    with gc_paused():  # acyclic dicts by the hundred thousand: nothing for the collector
        return work(*args)


async def off_loop(ls: WorkstreamServer, work: Callable[..., T], *args: Any) -> T:
    """Run ``work(*args)`` in the server's query thread and await its result.

    The cyclic garbage collector is paused meanwhile, as during an analysis: building an
    answer allocates only acyclic containers, and each collection would rescan everything
    the open documents' analyses hold (half the time of a 32,000-step outline).
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(ls.query_pool, _paused, work, *args)
