"""Hover, definition, references, rename, completion, outline, quick fixes, lenses, graph."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import FIXTURES, at, diagnostics_of, open_doc
from workstream.model import BUILTIN_TOOLS

pytestmark = pytest.mark.asyncio(loop_scope="module")

MISTAKES = (FIXTURES / "mistakes.workstream.json").read_text(encoding="utf-8")
DOC = types.TextDocumentIdentifier


async def opened(client: LanguageClient, text: str = MISTAKES) -> str:
    uri = open_doc(client, text)
    await diagnostics_of(client, uri)
    return uri


def apply(client: LanguageClient, text: str, edits: list[types.TextEdit]) -> str:
    """Apply edits to ``text`` (last first), in the client's position encoding."""
    encoding = getattr(client, "position_encoding", "utf-16")

    def units(char: str) -> int:
        if encoding == "utf-32":
            return 1
        if encoding == "utf-16":
            return 2 if ord(char) > 0xFFFF else 1
        return len(char.encode("utf-8"))

    def offset(pos: types.Position) -> int:
        lines = text.split("\n")
        start = sum(len(line) + 1 for line in lines[: pos.line])
        count, index = 0, 0
        line = lines[pos.line]
        while count < pos.character and index < len(line):
            count += units(line[index])
            index += 1
        return start + index

    spans = sorted(
        ((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def test_hover_on_dependency_describes_the_step(client: LanguageClient):
    uri = await opened(client)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=DOC(uri=uri), position=at(client, MISTAKES, '"lint"', nth=1)
        )
    )
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    assert "**lint**" in value
    assert "`ruff check`" not in value  # the run command is not the tool
    assert "tool: `shell`" in value
    assert "dependents: `docs`" in value
    assert "files: `lint.txt`" in value
    assert hover.range == types.Range(
        start=at(client, MISTAKES, '"lint"', nth=1, delta=0),
        end=at(client, MISTAKES, '"lint"', nth=1, delta=6),
    )


async def test_hover_elsewhere_is_empty(client: LanguageClient):
    uri = await opened(client)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=DOC(uri=uri), position=at(client, MISTAKES, "make"))
    )
    assert hover is None


async def test_definition_and_references(client: LanguageClient):
    uri = await opened(client)
    where = at(client, MISTAKES, '"build"', nth=2)  # in lint's depends_on
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=DOC(uri=uri), position=where)
    )
    assert isinstance(found, list)
    assert found[0].range.start == at(client, MISTAKES, '"build"', delta=0)
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=DOC(uri=uri),
            position=where,
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    assert [r.range.start for r in refs] == [
        at(client, MISTAKES, '"build"', nth=n, delta=0) for n in range(3)
    ]


async def test_rename_renames_every_reference(client: LanguageClient):
    uri = await opened(client)
    where = at(client, MISTAKES, '"lint"', nth=0)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=DOC(uri=uri), position=where)
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder)
    assert prepared.placeholder == "lint"
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=DOC(uri=uri), position=where, new_name="check")
    )
    assert edit is not None and edit.changes is not None
    renamed = apply(client, MISTAKES, list(edit.changes[uri]))
    assert '"lint"' not in renamed
    assert renamed.count('"check"') == 3


@pytest.mark.parametrize("name", ["fmt", "bad name", "", "a..b"])
async def test_rename_refuses_taken_or_invalid_names(client: LanguageClient, name: str):
    uri = await opened(client)
    with pytest.raises(JsonRpcException) as error:
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=DOC(uri=uri), position=at(client, MISTAKES, '"lint"'), new_name=name
            )
        )
    assert "already exists" in str(error.value) or "cannot" in str(error.value)


async def test_completion_in_depends_on_excludes_self_listed_and_cycles(client: LanguageClient):
    text = MISTAKES.replace('"depends_on": ["lint"]', '"depends_on": ["lint", ""]')
    uri = await opened(client, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=DOC(uri=uri), position=at(client, text, '""', nth=0, delta=1)
        )
    )
    assert isinstance(result, types.CompletionList)
    labels = {item.label for item in result.items}
    # docs: not itself, not lint (listed); nobody depends on docs, so the rest may come.
    assert labels == {"build", "test", "fmt"}
    # In lint's depends_on: docs depends on lint, so offering it would make a cycle.
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=DOC(uri=uri), position=at(client, text, '"lint", "build"', delta=1)
        )
    )
    assert isinstance(result, types.CompletionList)
    labels = {item.label for item in result.items}
    # Not lint itself, not build (listed), not docs: docs depends on lint (a cycle).
    assert labels == {"test", "fmt"}


async def test_completion_of_tools(client: LanguageClient):
    text = MISTAKES.replace('"run": "make"', '"tool": "sh", "run": "make"')
    uri = await opened(client, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=DOC(uri=uri), position=at(client, text, '"sh"', delta=3)
        )
    )
    assert isinstance(result, types.CompletionList)
    assert {item.label for item in result.items} == set(BUILTIN_TOOLS)
    edit = result.items[0].text_edit
    assert isinstance(edit, types.TextEdit)
    assert apply(client, text, [edit]).count('"tool": "shell"') == 1


async def test_document_symbols_outline(client: LanguageClient):
    uri = await opened(client)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=DOC(uri=uri))
    )
    assert symbols is not None
    root = symbols[0]
    assert isinstance(root, types.DocumentSymbol) and root.name == "ws-lsp"
    steps = next(c for c in root.children or [] if c.name == "steps")
    assert [s.name for s in steps.children or []] == ["build", "test", "lint", "fmt", "docs"]
    assert steps.children and steps.children[1].selection_range.start == at(
        client, MISTAKES, '"test"', delta=0
    )


async def actions_at(
    client: LanguageClient, uri: str, text: str, needle: str, nth: int = 0
) -> list[types.CodeAction]:
    where = at(client, text, needle, nth=nth)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=DOC(uri=uri),
            range=types.Range(start=where, end=where),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_quick_fixes_are_precise_edits(client: LanguageClient):
    uri = await opened(client)
    # WS102: the close id.
    [fix] = await actions_at(client, uri, MISTAKES, '"buidl"')
    assert fix.title == "Change to 'build'" and fix.edit and fix.edit.changes
    assert '"depends_on": ["build"]' in apply(client, MISTAKES, list(fix.edit.changes[uri]))
    # WS103: remove the self-dependency with its comma.
    [fix] = await actions_at(client, uri, MISTAKES, '"lint"', nth=1)
    assert fix.edit and fix.edit.changes
    assert '"depends_on": ["build", "build"]' in apply(
        client, MISTAKES, list(fix.edit.changes[uri])
    )
    # WS105: remove the repeated entry.
    [fix] = await actions_at(client, uri, MISTAKES, '"build"', nth=2)
    assert fix.edit and fix.edit.changes
    assert '"depends_on": ["lint", "build"]' in apply(client, MISTAKES, list(fix.edit.changes[uri]))
    # WS201: add a dependency between the two conflicting steps.
    [fix] = await actions_at(client, uri, MISTAKES, '"src/app.py"', nth=1)
    assert fix.edit and fix.edit.changes
    fixed = apply(client, MISTAKES, list(fix.edit.changes[uri]))
    assert '"id": "fmt", "depends_on": ["build"],' in fixed
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    from tests.lsp.conftest import wait_for

    await wait_for(lambda: all(d.code != "WS201" for d in client.diagnostics[uri]))


async def test_code_lenses_run_workstream_and_steps(client: LanguageClient):
    # MISTAKES without its two errors (the unknown and the self dependency): it can run.
    text = MISTAKES.replace('["buidl"]', '["build"]').replace('["lint", "build", ', "[")
    uri = await opened(client, text)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=DOC(uri=uri))
    )
    assert lenses is not None
    titles = [lens.command.title for lens in lenses if lens.command]
    assert titles == ["▶ Run workstream"] + ["▶ Run step"] * 5
    step_lens = lenses[1]
    assert step_lens.command and list(step_lens.command.arguments or ()) == [uri, "build"]
    assert step_lens.range.start == at(client, text, '"build"', delta=0)


async def test_a_file_with_errors_offers_no_run_lens(client: LanguageClient):
    uri = await opened(client)  # WS102 and WS103
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=DOC(uri=uri))
    )
    assert lenses is not None
    assert [lens.command.title for lens in lenses if lens.command] == ["✗ fix 2 errors to run"]
    assert lenses[0].range.start == at(client, MISTAKES, '"ws-lsp"', delta=0)
    assert lenses[0].command and lenses[0].command.command == ""  # no showProblems: a title


async def test_graph_command_returns_mermaid(client: LanguageClient):
    uri = await opened(client)
    graph = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.graph", arguments=[uri])
    )
    assert graph.startswith("flowchart LR\n")  # what `workstream graph` prints
    assert '["lint"]' in graph and ("-->" in graph or "==>" in graph)
