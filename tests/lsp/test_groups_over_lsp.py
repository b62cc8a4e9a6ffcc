"""Step groups, parallel groups and conditional settings over stdio, as VS Code and Neovim
drive the real server: hover on a step names its group and its barrier, hover on a
conditional setting its value now, completion offers group ids in depends_on and ungrouped
step ids in step_groups[].steps, and a rename of a step or a group id edits both places."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import at, open_doc, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = """{
  "id": "ws-groups-lsp",
  "execution": {"max_workers": "${env.WS_LSP_UNSET_MAXW:-3}",
                "fail_fast": "${env.WS_LSP_UNSET_CI == 'true'}"},
  "steps": [
    {"id": "schema", "run": "true", "files": [], "parallel_group": 1},
    {"id": "models", "run": "true", "files": [], "parallel_group": 2},
    {"id": "math", "run": "true", "files": []},
    {"id": "strings", "run": "true", "files": []},
    {"id": "docs", "run": "true", "files": []},
    {"id": "package", "run": "true", "files": [], "depends_on": ["utils", "math"]}
  ],
  "step_groups": [
    {"id": "utils", "steps": ["math", "strings"], "execute": "sequential", "max_workers": 1}
  ]
}
"""


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def hover_text(client: LanguageClient, uri: str, position: types.Position) -> str:
    found = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(uri), position=position)
    )
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents.value


async def labels(client: LanguageClient, text: str, needle: str) -> set[str]:
    uri = open_doc(client, text, "groups-complete")
    await wait_for(lambda: uri in client.diagnostics, 60)
    found = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc(uri), position=at(client, text, needle))
    )
    items = found.items if isinstance(found, types.CompletionList) else (found or [])
    return {item.label for item in items}


def apply(text: str, client: LanguageClient, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    assert all(e.range.start.line == e.range.end.line for e in edits)
    # every edit here is on an ASCII line: characters are code units in any encoding
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
        start = offsets[edit.range.start.line] + edit.range.start.character
        end = offsets[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


async def rename(client: LanguageClient, needle: str, nth: int, new: str) -> str:
    uri = open_doc(client, TEXT, "groups-rename")
    await wait_for(lambda: uri in client.diagnostics, 60)
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=doc(uri), position=at(client, TEXT, needle, nth), new_name=new
        )
    )
    assert edit is not None and edit.changes is not None
    return apply(TEXT, client, list(edit.changes[uri]))


async def test_hover_names_a_steps_group_and_its_barrier(client: LanguageClient) -> None:
    uri = open_doc(client, TEXT, "groups-hover")
    await wait_for(lambda: uri in client.diagnostics, 60)
    shown = await hover_text(client, uri, at(client, TEXT, '"models"'))
    barrier = "parallel_group 2: starts only after every step of group 1 finished (barrier: "
    assert barrier in shown and "schema" in shown.split(barrier)[1], shown
    shown = await hover_text(client, uri, at(client, TEXT, '"schema"'))
    assert "parallel_group 1: the lowest group, no barrier before it; group 2 start" in shown, shown
    shown = await hover_text(client, uri, at(client, TEXT, '"strings"'))
    assert "step group" in shown and "utils" in shown and "at most 1 at once" in shown, shown
    assert "one after another, this one after" in shown and "math" in shown, shown
    shown = await hover_text(client, uri, at(client, TEXT, '"docs"'))
    assert "parallel_group" not in shown and "step group" not in shown, shown
    # a group id in depends_on: the group
    shown = await hover_text(client, uri, at(client, TEXT, '"utils"'))
    assert "step group utils" in shown and "2 steps, one after another" in shown, shown


async def test_hover_of_a_conditional_setting_shows_its_value_now(client: LanguageClient) -> None:
    uri = open_doc(client, TEXT, "groups-setting")
    await wait_for(lambda: uri in client.diagnostics, 60)
    shown = await hover_text(client, uri, at(client, TEXT, "${env.WS_LSP_UNSET_MAXW"))
    assert "execution.max_workers" in shown and "environment): 3" in shown.replace("`", ""), shown
    shown = await hover_text(client, uri, at(client, TEXT, "${env.WS_LSP_UNSET_CI"))
    assert "execution.fail_fast" in shown and "environment): false" in shown.replace("`", ""), shown


async def test_completion_of_group_ids_and_of_grouped_steps(client: LanguageClient) -> None:
    in_depends_on = await labels(client, TEXT.replace('["utils", "math"]', '["", "math"]'), '""')
    assert "utils" in in_depends_on and "package" not in in_depends_on, in_depends_on
    in_group = await labels(client, TEXT.replace('"strings"]', '"strings", ""]'), '""')
    # steps of no group yet; never the group's own steps nor the group
    assert {"docs", "package"} <= in_group, in_group
    assert not {"math", "strings", "utils"} & in_group, in_group


async def test_rename_of_a_step_edits_depends_on_and_step_groups(client: LanguageClient) -> None:
    renamed = await rename(client, '"math"', 0, "maths")
    assert '"math"' not in renamed and renamed.count('"maths"') == 3, renamed
    assert '"depends_on": ["utils", "maths"]' in renamed
    assert '"steps": ["maths", "strings"]' in renamed
    # from the group's entry too
    renamed = await rename(client, '"strings"', 1, "text")
    assert '"strings"' not in renamed and renamed.count('"text"') == 2, renamed


async def test_rename_of_a_group_edits_its_id_and_depends_on(client: LanguageClient) -> None:
    for nth in (0, 1):  # from depends_on, from the group's id
        renamed = await rename(client, '"utils"', nth, "helpers")
        assert '"utils"' not in renamed and renamed.count('"helpers"') == 2, renamed
        assert '"depends_on": ["helpers", "math"]' in renamed
        assert '{"id": "helpers", "steps": ["math", "strings"]' in renamed
    uri = open_doc(client, TEXT, "groups-prepare")
    await wait_for(lambda: uri in client.diagnostics, 60)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc(uri), position=at(client, TEXT, '"utils"'))
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder), prepared
    assert prepared.placeholder == "utils"
    # a new name taken by a step is refused
    with pytest.raises(Exception, match="already exists"):
        await rename(client, '"utils"', 0, "docs")
