"""``textDocument/completion``: step ids inside ``depends_on``, tool names in ``tool``; elsewhere
the schema's keys and values (:mod:`workstream.lsp.completion_schema`).

Offered ids exclude the step's own id, the ids it already lists and every step that depends on
it (which would make a cycle). Inside a string the completion replaces its contents; elsewhere
it inserts a quoted id.
"""

from __future__ import annotations

import json

from lsprotocol import types

from workstream.findings import Span
from workstream.lsp.completion_schema import schema_items
from workstream.lsp.context import resolve_fresh
from workstream.lsp.convert import to_range
from workstream.lsp.query import completion_candidates, string_token_at
from workstream.lsp.server import WorkstreamServer

_KIND = {
    "step": types.CompletionItemKind.Reference,
    "tool": types.CompletionItemKind.Value,
    "group": types.CompletionItemKind.Module,
}


async def complete(
    ls: WorkstreamServer, params: types.CompletionParams
) -> types.CompletionList | None:
    """Completion items at the cursor, for the text the client had when it asked."""
    at = await resolve_fresh(ls, params.text_document.uri, params.position)
    if at is None:
        return None
    # The snapshot is of this very text (resolve_fresh): its offsets are the analysis's.
    candidates = completion_candidates(at.snapshot.analysis, at.snapshot.graph, at.offset)
    if not candidates:
        schema = schema_items(at, _snippets(ls))
        return types.CompletionList(is_incomplete=False, items=schema) if schema else None
    text = at.index.text
    token = string_token_at(text, at.offset)
    items = []
    for n, candidate in enumerate(candidates):
        if token is not None:
            closed = text[token.end - 1] == '"' and token.end - token.start > 1
            span_end = token.end - 1 if closed else token.end
            inner = to_range(at.index, Span(token.start + 1, span_end), at.encoding)
            edit = types.TextEdit(range=inner, new_text=candidate.label)
            filter_text = candidate.label
        else:
            quoted = json.dumps(candidate.label, ensure_ascii=False)
            here = to_range(at.index, Span(at.offset, at.offset), at.encoding)
            edit = types.TextEdit(range=here, new_text=quoted)
            filter_text = quoted
        items.append(
            types.CompletionItem(
                label=candidate.label,
                kind=_KIND[candidate.kind],
                detail=candidate.detail or None,
                text_edit=edit,
                filter_text=filter_text,
                sort_text=f"{n:06d}",
            )
        )
    return types.CompletionList(is_incomplete=False, items=items)


def _snippets(ls: WorkstreamServer) -> bool:
    """Whether the client takes snippets in completion items."""
    completion = ls.client_capabilities.text_document and (
        ls.client_capabilities.text_document.completion
    )
    item = completion.completion_item if completion else None
    return bool(item and item.snippet_support)


def register(server: WorkstreamServer) -> None:
    """Register completion (triggered by a quote too)."""
    server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=['"'])
    )(complete)
