"""``textDocument/documentSymbol``: the outline — the workstream, its tools and its steps."""

from __future__ import annotations

from lsprotocol import types

from workstream.findings import Span
from workstream.lsp.context import At, resolve, to_current
from workstream.lsp.server import WorkstreamServer


def _symbol(
    ls: WorkstreamServer,
    at: At,
    name: str,
    kind: types.SymbolKind,
    whole: Span | None,
    name_span: Span | None,
    detail: str | None = None,
    children: list[types.DocumentSymbol] | None = None,
) -> types.DocumentSymbol | None:
    if whole is None:
        return None
    full = to_current(at, whole)
    selection = to_current(at, name_span) if name_span is not None else None
    if full is None:
        return None
    return types.DocumentSymbol(
        name=name or "(no id)",
        kind=kind,
        range=full,
        selection_range=selection or full,
        detail=detail or None,
        children=children,
    )


def document_symbols(
    ls: WorkstreamServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol] | None:
    """The outline of a workstream file."""
    at = resolve(ls, params.text_document.uri)
    if at is None:
        return None
    analysis = at.snapshot.analysis
    model, parsed = analysis.model, analysis.parsed
    if model is None:
        return []
    out: list[types.DocumentSymbol] = []
    if model.tools:
        tools = [
            _symbol(
                ls,
                at,
                name,
                types.SymbolKind.Function,
                parsed.span(("tools", name)),
                parsed.key_span(("tools", name)),
                " ".join(tool.command),
            )
            for name, tool in model.tools.items()
        ]
        group = _symbol(
            ls,
            at,
            "tools",
            types.SymbolKind.Namespace,
            parsed.span(("tools",)),
            parsed.key_span(("tools",)),
            children=[t for t in tools if t],
        )
        if group is not None:
            out.append(group)
    steps: list[types.DocumentSymbol] = []
    end = 0
    for step in model.steps:
        whole = parsed.span(("steps", step.index))
        end = max(end, whole.end if whole is not None else 0)
        symbol = _symbol(
            ls,
            at,
            step.id,
            types.SymbolKind.Event,
            whole,
            parsed.span(("steps", step.index, "id")),
            step.description,
        )
        if symbol is not None:
            steps.append(symbol)
    steps_key = parsed.key_span(("steps",))
    if steps_key is not None:
        group = _symbol(
            ls,
            at,
            "steps",
            types.SymbolKind.Array,
            Span(steps_key.start, max(steps_key.end, end)),
            steps_key,
            f"{len(model.steps)} steps",
            steps,
        )
        if group is not None:
            out.append(group)
    # The root object's own span would cost a scan of the whole text: the text is the root.
    root = _symbol(
        ls,
        at,
        model.id or "workstream",
        types.SymbolKind.Module,
        Span(0, len(analysis.text)),
        parsed.span(("id",)),
        model.description,
        out,
    )
    return [root] if root is not None else out


def register(server: WorkstreamServer) -> None:
    """Register the outline."""
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbols)
