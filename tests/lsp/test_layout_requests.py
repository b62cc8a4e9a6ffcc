"""Formatting and folding over stdio: the server lays a workstream file out and folds it."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import diagnostics_of, open_doc

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = types.TextDocumentIdentifier
TEXT = '{"id": "f", // the id\n"steps": [{"id": "a", "run": "true", "files": []}]}'


async def test_formatting_lays_the_file_out_with_the_clients_indentation(
    client: LanguageClient,
) -> None:
    uri = open_doc(client, TEXT)
    await diagnostics_of(client, uri)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=DOC(uri=uri),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    assert edits is not None and len(edits) == 1
    [edit] = edits
    assert edit.range.start == types.Position(0, 0)
    assert edit.new_text.startswith('{\n    "id": "f", // the id\n    "steps": [\n        {\n')
    assert edit.range.end.line == 1


async def test_a_broken_file_gets_no_edits(client: LanguageClient) -> None:
    uri = open_doc(client, '{"id": "f", "steps": [')
    await diagnostics_of(client, uri)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=DOC(uri=uri),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert not edits


async def test_folding_ranges(client: LanguageClient) -> None:
    text = '{\n  "id": "f",\n  "steps": [\n    {"id": "a", "run": "true"}\n  ]\n}\n'
    uri = open_doc(client, text)
    await diagnostics_of(client, uri)
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=DOC(uri=uri))
    )
    assert folds is not None
    assert [(f.start_line, f.end_line) for f in folds] == [(0, 4), (2, 3)]
