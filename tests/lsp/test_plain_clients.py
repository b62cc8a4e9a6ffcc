"""Editors without lenses or Markdown (issue 10, point 7), over stdio.

A client whose hover ``contentFormat`` puts ``plaintext`` first (eglot) gets plain text; the
run commands are code actions on a step, so such an editor can run one; a file with errors,
or an untrusted workspace, offers none.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from tests.lsp.conftest import wait_for
from tests.lsp.test_refusals import BROKEN, FIXED, start
from tests.lsp.test_runs import make_repo, open_file, run_branches

pytestmark = pytest.mark.asyncio(loop_scope="function")


def plaintext_first() -> types.ClientCapabilities:
    """VS Code's recorded capabilities, but asking for plain-text hovers first, as eglot."""
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document and caps.text_document.hover
    caps.text_document.hover.content_format = [
        types.MarkupKind.PlainText,
        types.MarkupKind.Markdown,
    ]
    return caps


def range_at(text: str, needle: str) -> types.Range:
    line = next(n for n, x in enumerate(text.splitlines()) if needle in x)
    character = text.splitlines()[line].index(needle) + 1
    here = types.Position(line=line, character=character)
    return types.Range(start=here, end=here)


async def actions(client, uri: str, where: types.Range) -> list[types.CodeAction]:  # type: ignore[no-untyped-def]
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=where,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return [action(a) for a in found or []]


def action(item: types.Command | types.CodeAction) -> types.CodeAction:
    """The code action the server sent. lsprotocol reads every code action that has a
    ``command`` as a Command, with the command object as a string (a real client tells them
    apart by the type of ``command``): read that string back."""
    if isinstance(item, types.CodeAction):
        return item
    if not item.command.startswith("{"):
        return types.CodeAction(title=item.title, command=item)
    raw = ast.literal_eval(item.command)
    command = types.Command(raw["title"], raw["command"], arguments=raw.get("arguments"))
    return types.CodeAction(title=item.title, command=command)  # (its kind is lost)


def is_run(item: types.CodeAction) -> bool:
    return item.command is not None and item.command.command.startswith("workstream.run")


async def test_plain_hover_and_running_a_step_by_a_code_action(tmp_path: Path):
    async with start(tmp_path, capabilities=plaintext_first()) as logged:
        client = logged.client
        path = make_repo(tmp_path / "repo", FIXED)
        uri = open_file(client, path)
        await wait_for(lambda: uri in client.diagnostics)

        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=range_at(FIXED, '"a2"').start,  # a dependency: the step a2
            )
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert hover.contents.kind == types.MarkupKind.PlainText
        assert hover.contents.value.startswith("a2\n"), hover.contents.value
        assert "`" not in hover.contents.value and "**" not in hover.contents.value

        found = await actions(client, uri, range_at(FIXED, '{"id": "a2"'))
        runs = [a for a in found if is_run(a)]
        assert [(a.title, a.command.command, a.command.arguments) for a in runs if a.command] == [
            ("Run step 'a2'", "workstream.runStep", [uri, "a2"]),
            ("Run workstream", "workstream.runWorkstream", [uri]),
        ]
        command = runs[0].command
        assert command is not None
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
        )
        await wait_for(
            lambda: any("ws-broken: run succeeded" in m.message for m in client.messages), 60
        )
        assert "workstream/ws-broken/step/a2" in run_branches(path)
        assert "workstream/ws-broken/step/a" not in run_branches(path)  # only what a2 needs

        # Outside any step: only "Run workstream"; asking for quick fixes only: none of them.
        outside = await actions(client, uri, range_at(FIXED, '"ws-broken"'))
        assert [a.title for a in outside] == ["Run workstream"]


async def test_no_run_action_on_a_file_with_errors_or_untrusted(tmp_path: Path):
    async with start(tmp_path / "broken") as logged:
        client = logged.client
        path = make_repo(tmp_path / "broken" / "repo", BROKEN)
        uri = open_file(client, path)
        await wait_for(lambda: uri in client.diagnostics)
        found = await actions(client, uri, range_at(BROKEN, '{"id": "a"'))
        assert [a for a in found if is_run(a)] == []
    async with start(tmp_path / "untrusted", trusted=False) as logged:
        client = logged.client
        path = make_repo(tmp_path / "untrusted" / "repo", FIXED)
        uri = open_file(client, path)
        await wait_for(lambda: uri in client.diagnostics)
        assert await actions(client, uri, range_at(FIXED, '{"id": "a2"')) == []
