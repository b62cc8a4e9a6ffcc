"""Diagnostics over stdio: open, change, save, close; codes and ranges; debounce; staleness."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import (
    FIXTURES,
    SERVER,
    at,
    diagnostics_of,
    initialize_params,
    open_doc,
    wait_for,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

MISTAKES = (FIXTURES / "mistakes.workstream.json").read_text(encoding="utf-8")


async def test_diagnostics_on_open_have_codes_source_and_utf16_ranges(client: LanguageClient):
    uri = open_doc(client, MISTAKES)
    diagnostics = await diagnostics_of(client, uri)
    codes = sorted(d.code for d in diagnostics)  # type: ignore[type-var]
    assert codes == ["WS102", "WS103", "WS105", "WS201", "WS201"]
    assert {d.source for d in diagnostics} == {"workstream"}
    ws102 = next(d for d in diagnostics if d.code == "WS102")
    # The emoji before "buidl" count as two UTF-16 code units each.
    start = at(client, MISTAKES, '"buidl"', delta=0)
    end = at(client, MISTAKES, '"buidl"', delta=len('"buidl"'))
    assert ws102.range == types.Range(start=start, end=end)
    assert "Did you mean 'build'" in ws102.message
    assert ws102.severity == types.DiagnosticSeverity.Error


async def test_change_updates_and_close_clears(client: LanguageClient):
    uri = open_doc(client, MISTAKES)
    await diagnostics_of(client, uri)
    start = at(client, MISTAKES, '"buidl"', delta=1)
    end = at(client, MISTAKES, '"buidl"', delta=6)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=start, end=end), text="build"
                )
            ],
        )
    )
    await wait_for(lambda: all(d.code != "WS102" for d in client.diagnostics[uri]))
    assert len(client.diagnostics[uri]) == 4
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_for(lambda: len(client.diagnostics[uri]) == 0)


async def test_syntax_error_while_typing(client: LanguageClient):
    valid = '{"id": "x", "steps": [{"id": "a", "run": "true", "files": []}]}'
    uri = open_doc(client, valid)
    assert await diagnostics_of(client, uri) == []
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(text='{"id": "x", "steps": [')
            ],
        )
    )
    diagnostics = await wait_for(lambda: client.diagnostics[uri])
    assert "WS001" in {d.code for d in diagnostics}


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def vscode_json(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """A client whose JSON service validates syntax itself, asking the server to omit WS001
    and (as older extensions did) WS002 too, with the log messages it got."""
    params = initialize_params("visual-studio-code", omitDiagnosticCodes=["WS001", "WS002"])
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def test_syntax_errors_may_be_omitted_but_schema_errors_never(vscode_json: LanguageClient):
    text = (
        '{"$schema": "../nowhere/workstream.schema.json", "id": "x", "stpes": [],'
        ' "execution": {"max_worker": 2},'
        ' "steps": [{"id": "a", "run": "x", "depends_on": ["b"]} ,,]}'
    )
    uri = open_doc(vscode_json, text)
    diagnostics = await diagnostics_of(vscode_json, uri)
    assert sorted(str(d.code) for d in diagnostics) == ["WS002", "WS002", "WS102"]  # no WS001
    schema = sorted(d.message for d in diagnostics if d.code == "WS002")
    assert schema == [
        "Unknown property 'max_worker' in 'execution'. Did you mean 'max_workers'?",
        "Unknown property 'stpes' in the document. Did you mean 'steps'?",
    ]
    assert all(d.severity == types.DiagnosticSeverity.Error for d in diagnostics)
    ws002 = next(d for d in diagnostics if "max_worker'" in d.message)
    assert ws002.range.start == at(vscode_json, text, '"max_worker"', delta=0)
    logged = [m.message for m in vscode_json.log_messages]
    assert any("WS002 published anyway" in m for m in logged), logged
