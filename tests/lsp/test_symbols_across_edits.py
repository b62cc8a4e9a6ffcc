"""The outline asked while edits are not analysed yet: every range still holds its selection.

The server here waits 3 s after an edit before it analyses, so each outline below is the older
analysis's, moved across the edits made since; LSP requires a symbol's ``selectionRange`` to lie
inside its ``range`` (VS Code rejects the whole answer otherwise, with an error notification).
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import diagnostics_of, initialize_params, open_doc

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(
    params=["visual-studio-code"],
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "workstream", "serve"]),
)
async def client(request: Any, lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    params = initialize_params(request.param)
    params.initialization_options = {"debounceMs": 3000}
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


TEXT = json.dumps(
    {
        "id": "edits",
        "description": "an outline under edits",
        "steps": [{"id": f"step-{n}", "run": "true", "files": []} for n in range(6)],
    },
    indent=2,
)


def _inside(outer: types.Range, inner: types.Range) -> bool:
    def at(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return at(outer.start) <= at(inner.start) and at(inner.end) <= at(outer.end)


def _all(symbols: list[types.DocumentSymbol]) -> list[types.DocumentSymbol]:
    out = []
    for symbol in symbols:
        out.append(symbol)
        out += _all(symbol.children or [])
    return out


def _position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


@pytest.mark.parametrize("seed", range(4))
async def test_every_selection_stays_inside_its_range(client: LanguageClient, seed: int) -> None:
    uri = open_doc(client, TEXT)
    await diagnostics_of(client, uri)
    rng = random.Random(seed)
    text, version = TEXT, 1
    for _ in range(60):
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.choice([0, 0, 1, 3, 12, 40]))
        insert = rng.choice(["", "x", '"', "\n  ", '"id": "z", ', "}", "step-9"])
        if rng.random() < 0.2:  # a whole-document edit, as Format Document makes
            start, end, insert = 0, len(text), text.replace("\n  ", "\n    ")
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=_position(text, start), end=_position(text, end)), text=insert
        )
        text = text[:start] + insert + text[end:]
        version += 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change],
            )
        )
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        for symbol in _all([s for s in symbols or [] if isinstance(s, types.DocumentSymbol)]):
            assert _inside(symbol.range, symbol.selection_range), (symbol.name, text)
