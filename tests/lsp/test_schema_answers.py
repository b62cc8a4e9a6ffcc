"""Hover and completion from the schema, over stdio, as VS Code and Neovim drive the server.

Every key's hover is the schema's documentation of it; in an object the completion offers the
keys it may still take (required ones first), after a key's colon the values its setting
allows. A file being typed (broken JSON) gets them too: that is when they are needed.
"""

from __future__ import annotations

import json

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import at, diagnostics_of, open_doc

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = types.TextDocumentIdentifier


async def _opened(client: LanguageClient, text: str) -> str:
    uri = open_doc(client, text)
    await diagnostics_of(client, uri)
    return uri


async def _complete(
    client: LanguageClient, text: str, needle: str, delta: int
) -> list[types.CompletionItem]:
    uri = await _opened(client, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=DOC(uri=uri), position=at(client, text, needle, delta=delta)
        )
    )
    if result is None:
        return []
    return result.items if isinstance(result, types.CompletionList) else list(result)


def _applied(text: str, item: types.CompletionItem, client: LanguageClient) -> str:
    """The text after the item's edit (positions in the negotiated encoding; ASCII here)."""
    edit = item.text_edit
    assert isinstance(edit, types.TextEdit)
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: p.line]) + p.character

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]


async def test_hover_on_a_key_shows_its_documentation(client: LanguageClient) -> None:
    text = json.dumps(
        {
            "id": "h",
            "execution": {"reuse": "clean"},
            "steps": [{"id": "a", "run": "true", "timeout": 5}],
        },
        indent=2,
    )
    uri = await _opened(client, text)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=DOC(uri=uri), position=at(client, text, '"timeout"'))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "steps[].timeout" in hover.contents.value
    assert "overrides" in hover.contents.value and "timeout_per_step" in hover.contents.value
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=DOC(uri=uri), position=at(client, text, '"reuse"'))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "execution.reuse" in hover.contents.value and '"clean"' in hover.contents.value


async def test_hover_on_a_key_of_a_broken_file(client: LanguageClient) -> None:
    text = '{"id": "h", "steps": [{"id": "a", "run": "true", "retries": 2,\n'
    uri = await _opened(client, text)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=DOC(uri=uri), position=at(client, text, '"retries"'))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "steps[].retries" in hover.contents.value


async def test_keys_a_step_may_still_take(client: LanguageClient) -> None:
    text = '{"id": "k", "steps": [{"id": "a", "run": "true", }]}'
    items = await _complete(client, text, '"true", ', delta=8)
    labels = [i.label for i in items]
    assert "timeout" in labels and "depends_on" in labels and "files" in labels
    assert "id" not in labels and "run" not in labels  # already there
    timeout = next(i for i in items if i.label == "timeout")
    assert isinstance(timeout.documentation, types.MarkupContent)
    assert "Seconds" in timeout.documentation.value
    done = _applied(text, timeout, client)
    assert '"timeout": ' in done


async def test_a_key_being_typed_in_quotes_is_replaced_whole(client: LanguageClient) -> None:
    text = '{"id": "k", "execution": {"max_wo"}, "steps": [{"id": "a", "run": "true"}]}'
    items = await _complete(client, text, '"max_wo', delta=7)
    worker = next(i for i in items if i.label == "max_workers")
    done = _applied(text, worker, client)
    assert done.startswith('{"id": "k", "execution": {"max_workers": ')
    assert '"max_wo"' not in done


async def test_required_keys_come_first_at_the_top(client: LanguageClient) -> None:
    text = "{\n  \n}"
    items = await _complete(client, text, "{\n  ", delta=4)
    labels = [i.label for i in items]
    assert set(labels[:2]) == {"id", "steps"}
    assert "execution" in labels and "$schema" not in labels


async def test_values_a_setting_allows(client: LanguageClient) -> None:
    text = '{"id": "v", "execution": {"reuse": }, "steps": [{"id": "a", "run": "true"}]}'
    items = await _complete(client, text, '"reuse": ', delta=9)
    assert [i.label for i in items] == ['"clean"', '"keep-ignored"', "false"]
    done = _applied(text, items[1], client)
    assert '"reuse": "keep-ignored"' in done


async def test_values_inside_a_string_being_typed(client: LanguageClient) -> None:
    text = (
        '{"id": "v", "steps": [{"id": "a", "run": "true", '
        '"select": {"score": "x", "better": "h"}}]}'
    )
    items = await _complete(client, text, '"better": "h', delta=12)
    assert [i.label for i in items] == ['"lower"', '"higher"']
    done = _applied(text, items[1], client)
    assert '"better": "higher"}' in done


async def test_step_ids_are_still_what_depends_on_offers(client: LanguageClient) -> None:
    text = (
        '{"id": "d", "steps": [{"id": "a", "run": "true"}, '
        '{"id": "b", "run": "true", "depends_on": [""]}]}'
    )
    items = await _complete(client, text, '[""', delta=2)
    assert [i.label for i in items] == ["a"]


async def test_an_unterminated_key_keeps_what_follows_it(client: LanguageClient) -> None:
    text = '{"id": "k", "steps": [{"id": "a", "run": "true", "ret}]}'
    items = await _complete(client, text, '"ret', delta=4)
    retries = next(i for i in items if i.label == "retries")
    done = _applied(text, retries, client).replace("$1", "")  # a snippet's tab stop, if any
    assert done == '{"id": "k", "steps": [{"id": "a", "run": "true", "retries": }]}'
