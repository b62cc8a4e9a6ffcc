"""A run that cannot start reads as a person expects (issue 10, point 2), over stdio.

A file with errors: no run lens but "✗ fix N errors to run"; a run command gets one short
``RequestFailed`` error naming the first error, and the server logs no traceback and nothing
at error level. A run that starts with uncommitted changes says so first, as the CLI does.
Each test starts its own server with its stderr in a file, to read what it logged.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import initialize_params, wait_for
from tests.lsp.test_runs import make_repo, open_file, run_branches

pytestmark = pytest.mark.asyncio(loop_scope="function")

REQUEST_FAILED = -32803
#: "max_worker" for "max_workers" (line 2), and a dependency on a missing step (line 4).
BROKEN = """{
  "id": "ws-broken", "execution": {"max_worker": 2},
  "steps": [
    {"id": "a", "run": "true", "files": [], "depends_on": ["nope"]}
  ]
}
"""
FIXED = (
    BROKEN.replace('"max_worker"', '"max_workers"')
    .replace('"nope"', '"a2"')
    .replace("]\n}", ',\n    {"id": "a2", "run": "true", "files": []}\n  ]\n}')
)


class Logged:
    """A client and the file its server's stderr goes to."""

    def __init__(self, client: LanguageClient, stderr: Path) -> None:
        self.client, self.stderr = client, stderr

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")


@asynccontextmanager
async def start(
    tmp_path: Path, capabilities: types.ClientCapabilities | None = None, **options: Any
) -> AsyncIterator[Logged]:
    """A server whose stderr goes to a file, and a client of it (VS Code's capabilities
    unless others are given)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    stderr = shlex.quote(str(tmp_path / "server.stderr"))
    command = f"exec {shlex.quote(sys.executable)} -m workstream serve 2>>{stderr}"
    client = await ClientServerConfig(server_command=["sh", "-c", command]).start()
    # Each workstream/stepStatus with the number of warnings shown by the time it came.
    client.statuses_seen = []
    client.feature("workstream/stepStatus")(
        lambda params: client.statuses_seen.append((params, warnings(client)))
    )
    client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(lambda params: None)
    try:
        params = initialize_params("visual-studio-code", **options)
        if capabilities is not None:
            params.capabilities = capabilities
        await client.initialize_session(params)
        yield Logged(client, tmp_path / "server.stderr")
    finally:
        try:  # also when the test failed: without exit the server never ends
            await asyncio.wait_for(client.shutdown_session(), 30)
        finally:
            await client.stop()


@pytest_asyncio.fixture
async def vscode(tmp_path: Path) -> AsyncIterator[Logged]:
    """A VS Code-like client that shows problems itself (``workstream.showProblems``)."""
    async with start(tmp_path, clientCommands=["workstream.showProblems"]) as logged:
        yield logged


async def run_command(client: LanguageClient, command: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


async def lenses(client: LanguageClient, uri: str) -> list[types.CodeLens]:
    found = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return list(found or [])


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def test_a_refused_run_names_the_first_error_and_logs_no_traceback(
    vscode: Logged, tmp_path: Path
):
    client = vscode.client
    path = make_repo(tmp_path / "repo", BROKEN)
    uri = open_file(client, path)
    await wait_for(lambda: len(client.diagnostics.get(uri, ())) == 2)

    found = await lenses(client, uri)
    assert [(lens.command.title, lens.command.command) for lens in found if lens.command] == [
        ("✗ fix 2 errors to run", "workstream.showProblems")
    ]
    assert list(found[0].command.arguments or ()) == [uri]  # type: ignore[union-attr]

    for command, arguments in (
        ("workstream.runWorkstream", [uri]),
        ("workstream.runStep", [uri, "a"]),
    ):
        with pytest.raises(JsonRpcException) as caught:
            await run_command(client, command, *arguments)
        assert caught.value.code == REQUEST_FAILED
        assert caught.value.data is None
        assert caught.value.message == (
            "plan.workstream.json has 2 errors and cannot run; the first, at 2:36: "
            "Unknown property 'max_worker' in 'execution'. Did you mean 'max_workers'? [WS002]"
        )
    assert run_branches(path) == []
    assert not [m for m in client.messages if m.type == types.MessageType.Error]
    log = vscode.log()
    assert "Traceback" not in log and " ERROR " not in log, log

    # Fixed in the editor but not saved: the file on disk still has them, and says so.
    change(client, uri, 2, FIXED)
    await wait_for(lambda: uri in client.diagnostics and not client.diagnostics[uri])
    titles = [lens.command.title for lens in await lenses(client, uri) if lens.command]
    assert titles == ["▶ Run workstream", "▶ Run step", "▶ Run step"]
    with pytest.raises(JsonRpcException) as caught:
        await run_command(client, "workstream.runWorkstream", uri)
    assert caught.value.message.startswith(
        "plan.workstream.json (as saved) has 2 errors and cannot run; the first, at 2:36:"
    )
    assert "Traceback" not in vscode.log()


async def test_a_title_only_lens_for_a_client_that_cannot_show_problems(tmp_path: Path):
    async with start(tmp_path) as logged:  # Neovim-like: no client commands
        client = logged.client
        path = make_repo(tmp_path / "repo", BROKEN)
        uri = open_file(client, path)
        await wait_for(lambda: uri in client.diagnostics)
        found = await lenses(client, uri)
        assert [(lens.command.title, lens.command.command) for lens in found if lens.command] == [
            ("✗ fix 2 errors to run", "")
        ]


async def test_uncommitted_changes_are_told_before_the_run_starts(vscode: Logged, tmp_path: Path):
    client = vscode.client
    path = make_repo(tmp_path / "repo", FIXED)
    (path.parent / "notes.txt").write_text("not committed\n", encoding="utf-8")
    uri = open_file(client, path)
    await wait_for(lambda: uri in client.diagnostics)
    await run_command(client, "workstream.runWorkstream", uri)
    await wait_for(lambda: any("ws-broken: run" in m.message for m in client.messages), 60)
    [warning] = [m for m in client.messages if m.type == types.MessageType.Warning][:1]
    assert warning.message.startswith("Workstream ws-broken: 1 uncommitted change in ")
    assert "will not be seen by this run: it starts from HEAD" in warning.message
    # Already shown when the first step started.
    assert next(told for params, told in client.statuses_seen if params.status == "running") == 1


def warnings(client: LanguageClient) -> int:
    return sum(1 for m in client.messages if m.type == types.MessageType.Warning)
