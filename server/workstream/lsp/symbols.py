"""``textDocument/documentSymbol``: the outline — the workstream, its tools and its steps.

The outline has two ranges per step, so it is built off the event loop and sent as JSON-ready
data (see :mod:`workstream.lsp.bulk`): every span is gathered first, in one list, and the list
is converted in one pass; then the symbols are assembled from the converted ranges.
"""

from __future__ import annotations

from lsprotocol import types

from workstream.findings import Span
from workstream.lsp.bulk import JSON, Wire, off_loop, ranges
from workstream.lsp.context import At, resolve
from workstream.lsp.server import WorkstreamServer

_MODULE = types.SymbolKind.Module.value
_NAMESPACE = types.SymbolKind.Namespace.value
_ARRAY = types.SymbolKind.Array.value
_FUNCTION = types.SymbolKind.Function.value
_EVENT = types.SymbolKind.Event.value


def _symbol(
    name: str,
    kind: int,
    full: JSON | None,
    selection: JSON | None,
    detail: str | None = None,
    children: list[JSON] | None = None,
) -> JSON | None:
    """A DocumentSymbol; None without a range (no place, or edited away)."""
    if full is None:
        return None
    if selection is None or not _contains(full, selection):
        selection = full  # mapped across an edit it may have moved out: the protocol forbids it
    symbol: JSON = {
        "name": name or "(no id)",
        "kind": kind,
        "range": full,
        "selectionRange": selection,
    }
    if detail:
        symbol["detail"] = detail
    if children is not None:
        symbol["children"] = children
    return symbol


def _contains(outer: JSON, inner: JSON) -> bool:
    def at(position: JSON) -> tuple[int, int]:
        return int(position["line"]), int(position["character"])

    return at(outer["start"]) <= at(inner["start"]) and at(inner["end"]) <= at(outer["end"])


def outline(at: At) -> Wire:
    """The outline as DocumentSymbol JSON (runs in the query thread)."""
    analysis = at.snapshot.analysis
    model, parsed = analysis.model, analysis.parsed
    if model is None:
        return Wire([])
    # Every span, in one list: the head, then two per step, then two per tool.
    spans: list[Span | None] = []
    end = 0
    for step in model.steps:
        whole = parsed.span(("steps", step.index))
        end = max(end, whole.end if whole is not None else 0)
        spans += (whole, parsed.span(("steps", step.index, "id")))
    tools = list(model.tools.items())
    for name, _ in tools:
        spans += (parsed.span(("tools", name)), parsed.key_span(("tools", name)))
    steps_key = parsed.key_span(("steps",))
    steps_whole = None if steps_key is None else Span(steps_key.start, max(steps_key.end, end))
    head = [
        # The root object's own span would cost a scan of the whole text: the text is the root.
        Span(0, len(analysis.text)),
        parsed.span(("id",)),
        parsed.span(("tools",)),
        parsed.key_span(("tools",)),
        steps_whole,
        steps_key,
    ]
    where = ranges(at, [*head, *spans])
    root, root_id, tools_whole, tools_key, steps_range, steps_key_range = where[:6]
    step_ranges = where[6 : 6 + 2 * len(model.steps)]
    tool_ranges = where[6 + 2 * len(model.steps) :]

    children: list[JSON] = []
    if tools:
        tool_symbols = (
            _symbol(
                name,
                _FUNCTION,
                tool_ranges[2 * n],
                tool_ranges[2 * n + 1],
                " ".join(tool.command),
            )
            for n, (name, tool) in enumerate(tools)
        )
        group = _symbol(
            "tools", _NAMESPACE, tools_whole, tools_key, None, [s for s in tool_symbols if s]
        )
        if group is not None:
            children.append(group)
    if steps_key is not None:
        step_symbols = (
            _symbol(step.id, _EVENT, step_ranges[2 * n], step_ranges[2 * n + 1], step.description)
            for n, step in enumerate(model.steps)
        )
        group = _symbol(
            "steps",
            _ARRAY,
            steps_range,
            steps_key_range,
            f"{len(model.steps)} steps",
            [s for s in step_symbols if s],
        )
        if group is not None:
            children.append(group)
    symbol = _symbol(model.id or "workstream", _MODULE, root, root_id, model.description, children)
    return Wire([symbol] if symbol is not None else children)


async def document_symbols(ls: WorkstreamServer, params: types.DocumentSymbolParams) -> Wire | None:
    """The outline of a workstream file."""
    at = resolve(ls, params.text_document.uri)
    if at is None:
        return None
    return await off_loop(ls, outline, at)


def register(server: WorkstreamServer) -> None:
    """Register the outline."""
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbols)
