"""The hover of a step with candidates lists them before any run: how many runs, how one is
chosen, and what each changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import at, diagnostics_of, open_doc

pytestmark = pytest.mark.asyncio(loop_scope="module")

SAMPLE = Path(__file__).parents[2] / "samples" / "candidates" / "candidates.workstream.json"


async def hover_text(client: LanguageClient, text: str, needle: str) -> str:
    uri = open_doc(client, text)
    await diagnostics_of(client, uri)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=at(client, text, needle)
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def test_a_scored_steps_candidates_are_listed(client: LanguageClient) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    value = await hover_text(client, text, '"greeting"')
    assert "candidates: 3 runs, each in its own worktree" in value
    assert "the lowest score of" in value and "wc -c < app/greeting.txt" in value
    assert "2: run: mkdir -p app && echo 'Hello, world!' >" in value
    assert "last run" not in value  # no run yet


async def test_attempts_count_as_runs(client: LanguageClient) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    value = await hover_text(client, text, '"lucky"')
    assert "candidates: 3 runs" in value and "the first to pass" in value
    assert "1: as the step (x3)" in value
