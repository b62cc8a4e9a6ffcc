"""Completion, hover and code actions answer for the text the client had when it asked.

The server here waits 3 s after an edit before it analyses (``debounceMs``), so a request sent
right after an edit always finds only the analysis of the text before it: an answer built
from that analysis would offer a dependency just typed, or know nothing of a step just named.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import at, diagnostics_of, initialize_params, open_doc

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = types.TextDocumentIdentifier
SLOW_DEBOUNCE_MS = 3000


@pytest_lsp.fixture(
    params=["visual-studio-code"],
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "workstream", "serve"]),
)
async def client(request: Any, lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """A server that analyses an edit only 3 s after it."""
    params = initialize_params(request.param)
    params.initialization_options = {"debounceMs": SLOW_DEBOUNCE_MS}
    result = await lsp_client.initialize_session(params)
    lsp_client.position_encoding = str(result.capabilities.position_encoding or "utf-16")
    yield
    await lsp_client.shutdown_session()


def workstream(c_depends: list[str], b_id: str = "b") -> str:
    return json.dumps(
        {
            "id": "fresh",
            "steps": [
                {"id": "a", "run": "true"},
                {"id": b_id, "run": "true"},
                {"id": "c", "run": "true", "depends_on": c_depends},
                {"id": "d", "run": "true"},
            ],
        },
        indent=2,
    )


async def opened(client: LanguageClient, text: str) -> str:
    uri = open_doc(client, text)
    await diagnostics_of(client, uri)  # the first analysis is installed
    return uri


def edit(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def test_completion_right_after_typing_a_dependency_does_not_offer_it(
    client: LanguageClient,
) -> None:
    uri = await opened(client, workstream(["a", ""]))
    typed = workstream(["a", "b", ""])
    edit(client, uri, 2, typed)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=DOC(uri=uri), position=at(client, typed, '""'))
    )
    assert isinstance(result, types.CompletionList)
    # c lists a and b now: only d is left (c is the step itself).
    assert {item.label for item in result.items} == {"d"}
    (item,) = result.items
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.range.start == at(client, typed, '""')


async def test_hover_right_after_renaming_a_step_knows_the_new_id(
    client: LanguageClient,
) -> None:
    uri = await opened(client, workstream(["a"]))
    renamed = workstream(["a", "bee"], b_id="bee")
    edit(client, uri, 2, renamed)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=DOC(uri=uri), position=at(client, renamed, '"bee"', 1))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "bee" in hover.contents.value and "no step has this id" not in hover.contents.value
    assert hover.range is not None
    assert hover.range.start.line == at(client, renamed, '"bee"', 1).line


async def test_a_quick_fix_right_after_a_typo_mends_it(client: LanguageClient) -> None:
    uri = await opened(client, workstream(["a"]))
    typo = workstream(["a", "dd"])
    edit(client, uri, 2, typo)
    where = at(client, typo, '"dd"')
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=DOC(uri=uri),
            range=types.Range(start=where, end=where),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None
    titles = [a.title for a in actions if isinstance(a, types.CodeAction)]
    assert any("'d'" in title for title in titles), titles
