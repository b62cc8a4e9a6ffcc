"""Completion from the schema: the keys an object may still take, the values a setting allows.

Where no step id or tool name is asked for (:mod:`workstream.lsp.completion`), the place at
the cursor (:mod:`workstream.lsp.schema_places`) is answered from the schema
(:mod:`workstream.analysis.schema_help`): in an object, each key it does not have yet, with
its documentation, required keys first; after a key's colon, its enum members, consts and
examples. Any LSP client gets them, and VS Code does not need its JSON service for them.
"""

from __future__ import annotations

import json

from lsprotocol import types

from workstream.analysis.schema_help import KeyHelp, keys_at, values_at
from workstream.findings import Span
from workstream.lsp.context import At
from workstream.lsp.convert import to_range
from workstream.lsp.schema_places import Place, place_at

#: A key's value as a snippet, by the first type the schema gives it.
_SKELETON = {"object": "{$1}", "array": "[$1]", "string": '"$1"'}


def schema_items(at: At, snippets: bool) -> list[types.CompletionItem]:
    """The schema's completions at the cursor (empty where it has none)."""
    text = at.index.text
    place = place_at(at.snapshot.analysis.parsed, text, at.offset)
    if place is None:
        return []
    if place.kind == "key":
        keys = sorted(keys_at(place.path, place.present), key=lambda k: not k.required)
        return [_key_item(at, place, key, n, snippets) for n, key in enumerate(keys)]
    return [
        types.CompletionItem(
            label=value.text,
            kind=types.CompletionItemKind.EnumMember,
            detail=value.description or None,
            text_edit=types.TextEdit(range=_range(at, place), new_text=value.text),
            filter_text=value.text,
            sort_text=f"{n:06d}",
        )
        for n, value in enumerate(values_at(place.path))
    ]


def _range(at: At, place: Place) -> types.Range:
    span = place.token or Span(at.offset, at.offset)
    return to_range(at.index, span, at.encoding)


def _key_item(at: At, place: Place, key: KeyHelp, n: int, snippets: bool) -> types.CompletionItem:
    quoted = json.dumps(key.name)
    if place.colon_follows:
        new_text, fmt = quoted, types.InsertTextFormat.PlainText
    elif snippets:
        skeleton = _SKELETON.get(key.kinds[0], "$1") if key.kinds else "$1"
        new_text, fmt = f"{quoted}: {skeleton}", types.InsertTextFormat.Snippet
    else:
        new_text, fmt = f"{quoted}: ", types.InsertTextFormat.PlainText
    typed = text_of(at, place)
    detail = " or ".join(key.kinds) + (" · required" if key.required else "")
    return types.CompletionItem(
        label=key.name,
        kind=types.CompletionItemKind.Property,
        detail=detail or None,
        documentation=(
            types.MarkupContent(kind=types.MarkupKind.Markdown, value=key.description)
            if key.description
            else None
        ),
        text_edit=types.TextEdit(range=_range(at, place), new_text=new_text),
        insert_text_format=fmt,
        filter_text=quoted if typed.startswith('"') else key.name,
        sort_text=f"{n:06d}",
    )


def text_of(at: At, place: Place) -> str:
    """What the user typed at the place (the token it replaces)."""
    return "" if place.token is None else at.index.text[place.token.start : place.token.end]
