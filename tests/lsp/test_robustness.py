"""Robustness and position encodings: bad input gets an error or an empty answer, never a crash.

Also the negotiated position encodings (utf-8 / utf-16 / utf-32) on a line with emoji.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import (
    FIXTURES,
    SERVER,
    at,
    diagnostics_of,
    fresh_uri,
    initialize_params,
    open_doc,
    position_of,
    wait_for,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

MISTAKES = (FIXTURES / "mistakes.workstream.json").read_text(encoding="utf-8")
DOC = types.TextDocumentIdentifier


def big_document(steps: int) -> str:
    """A valid workstream with ``steps`` steps in two chains (no findings)."""
    items = [
        {
            "id": f"s{n}",
            "description": f"step {n} 🚀",
            "run": "true",
            "depends_on": [f"s{n - 2}"] if n >= 2 else [],
            "files": [f"f{n}"],
        }
        for n in range(steps)
    ]
    return json.dumps({"id": "big", "steps": items}, indent=2, ensure_ascii=False)


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(initialize_params("visual-studio-code"))
    yield
    await lsp_client.shutdown_session()


async def still_answers(client: LanguageClient) -> None:
    """The server answers a plain request after whatever came before."""
    uri = open_doc(client, MISTAKES)
    await diagnostics_of(client, uri)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=DOC(uri=uri), position=at(client, MISTAKES, '"lint"'))
    )
    assert hover is not None


async def test_unknown_uris_get_empty_answers(client: LanguageClient):
    uri = fresh_uri("never-opened")
    position = types.Position(line=0, character=0)
    assert (
        await client.text_document_hover_async(
            types.HoverParams(text_document=DOC(uri=uri), position=position)
        )
        is None
    )
    assert (
        await client.text_document_definition_async(
            types.DefinitionParams(text_document=DOC(uri=uri), position=position)
        )
        is None
    )
    assert (
        await client.text_document_code_lens_async(types.CodeLensParams(text_document=DOC(uri=uri)))
        is None
    )
    assert (
        await client.text_document_completion_async(
            types.CompletionParams(text_document=DOC(uri=uri), position=position)
        )
        is None
    )
    assert (
        await client.text_document_rename_async(
            types.RenameParams(text_document=DOC(uri=uri), position=position, new_name="x")
        )
        is None
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="{")],
        )
    )
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=DOC(uri=uri)))
    await still_answers(client)


async def test_positions_past_the_end(client: LanguageClient):
    uri = open_doc(client, MISTAKES)
    await diagnostics_of(client, uri)
    for position in (
        types.Position(line=10_000, character=0),
        types.Position(line=3, character=100_000),
    ):
        assert (
            await client.text_document_hover_async(
                types.HoverParams(text_document=DOC(uri=uri), position=position)
            )
            is None
        )
        await client.text_document_completion_async(
            types.CompletionParams(text_document=DOC(uri=uri), position=position)
        )
        await client.text_document_references_async(
            types.ReferenceParams(
                text_document=DOC(uri=uri),
                position=position,
                context=types.ReferenceContext(include_declaration=True),
            )
        )
    # An edit past the end appends.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=999, character=9),
                        end=types.Position(line=999, character=9),
                    ),
                    text="// end\n",
                )
            ],
        )
    )
    await still_answers(client)


async def test_malformed_requests_get_errors(client: LanguageClient):
    # Well-formed JSON-RPC with wrong parameters (pytest-lsp cannot send ill-typed params:
    # it serialises through lsprotocol; truly malformed frames are in test_raw_protocol.py).
    protocol: Any = client.protocol
    for command, arguments in (
        ("workstream.nope", []),
        ("workstream.graph", [1, 2, 3]),
        ("workstream.graph", ["file:///nope.workstream.json"]),
        ("workstream.runStep", ["only-one"]),
    ):
        with pytest.raises(JsonRpcException):
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command, arguments=arguments)
            )
    with pytest.raises(JsonRpcException):
        await asyncio.wait_for(protocol.send_request_async("workstream/unknownMethod", {}), 10)
    await still_answers(client)


async def test_document_closed_while_being_analysed(client: LanguageClient):
    text = big_document(3000)
    uri = open_doc(client, text)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=DOC(uri=uri)))
    await wait_for(lambda: uri in client.diagnostics)
    await asyncio.sleep(1.0)  # the analysis finishes after the close: nothing is published
    assert len(client.diagnostics[uri]) == 0
    await still_answers(client)


def insert_at(uri: str, version: int, line: int, column: int, text: str) -> Any:
    return types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[
            types.TextDocumentContentChangePartial(
                range=types.Range(
                    start=types.Position(line=line, character=column),
                    end=types.Position(line=line, character=column),
                ),
                text=text,
            )
        ],
    )


async def burst_then_break_a_link(client: LanguageClient, steps: int, edits: int) -> None:
    """Open a big document, type ``edits`` characters into a description, hover, then break
    a dependency: the diagnostics name exactly that."""
    text = big_document(steps)
    uri = open_doc(client, text)
    assert await diagnostics_of(client, uri) == []
    lines = text.splitlines()
    line = next(n for n, x in enumerate(lines) if '"description": "step 7 ' in x)
    column = len('      "description": "step 7')
    for version in range(2, edits + 2):
        client.text_document_did_change(insert_at(uri, version, line, column, "x"))
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=DOC(uri=uri), position=position_of(text, '"s9"', "utf-16"))
    )
    assert hover is not None and "**s9**" in hover.contents.value  # type: ignore[union-attr]
    deps_line = next(n for n, x in enumerate(lines) if x.strip() == '"s5"')
    client.text_document_did_change(insert_at(uri, edits + 2, deps_line, 10, "X"))
    diagnostics = await wait_for(lambda: client.diagnostics[uri], timeout=60)
    assert [d.code for d in diagnostics] == ["WS102"]
    assert diagnostics[0].range.start.line == deps_line
    await still_answers(client)


async def test_a_burst_of_a_thousand_edits(client: LanguageClient):
    await burst_then_break_a_link(client, 2_000, 1_000)


@pytest.mark.slow
async def test_a_ten_megabyte_document(client: LanguageClient):
    assert len(big_document(55_000).encode()) > 10_000_000
    await burst_then_break_a_link(client, 55_000, 20)


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [(["utf-32", "utf-16"], "utf-32"), (["utf-8"], "utf-8"), (None, "utf-16")],
)
async def test_position_encodings_on_a_line_with_emoji(offered: Any, chosen: str):
    config = ClientServerConfig(server_command=SERVER)
    client = await config.start()
    try:
        caps = client_capabilities("visual-studio-code")
        caps.general = types.GeneralClientCapabilities(position_encodings=offered)
        result = await client.initialize_session(
            types.InitializeParams(capabilities=caps, initialization_options={"debounceMs": 20})
        )
        assert result.capabilities.position_encoding == chosen
        uri = fresh_uri("encoding")
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="json", version=1, text=MISTAKES
                )
            )
        )
        diagnostics = await wait_for(lambda: client.diagnostics.get(uri))
        ws102 = next(d for d in diagnostics if d.code == "WS102")
        assert ws102.range.start == position_of(MISTAKES, '"buidl"', chosen, delta=0)
        assert ws102.range.end == position_of(MISTAKES, '"buidl"', chosen, delta=7)
        # And positions from the client are read in the same units.
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=DOC(uri=uri), position=position_of(MISTAKES, '"buidl"', chosen)
            )
        )
        assert hover is not None and "no step has this id" in hover.contents.value  # type: ignore[union-attr]
        await client.shutdown_session()
    finally:
        await client.stop()
