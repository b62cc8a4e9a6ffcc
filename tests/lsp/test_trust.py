"""Runs only for files inside the workspace folders, over stdio with pytest-lsp.

The folders come from ``initialize`` (``workspaceFolders``, ``rootUri`` or ``rootPath``) and
``workspace/didChangeWorkspaceFolders``; no folder at all means no runs. Links and ``..`` are
resolved before the check. Each test starts its own server: the folders are per session.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import SERVER, change_folders, initialize_params, wait_for
from tests.lsp.test_runs import make_repo, run_branches

pytestmark = pytest.mark.asyncio(loop_scope="module")

REQUEST_FAILED = -32803
QUICK = (
    '{"id": "ws-trust", "steps": [{"id": "ok", "run": "echo hi > ok.txt", "files": ["ok.txt"]}]}'
)


async def start(params: types.InitializeParams) -> LanguageClient:
    client = await ClientServerConfig(server_command=SERVER).start()
    await client.initialize_session(params)
    return client


async def stop(client: LanguageClient) -> None:
    try:
        await client.shutdown_session()
    finally:
        await client.stop()


async def run(client: LanguageClient, uri: str) -> str:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.runWorkstream", arguments=[uri])
    )
    assert isinstance(result, str)
    return result


async def refused(client: LanguageClient, uri: str, why: str) -> None:
    for command, arguments in (
        ("workstream.runWorkstream", [uri]),
        ("workstream.runStep", [uri, "ok"]),
    ):
        with pytest.raises(JsonRpcException) as caught:
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command, arguments=arguments)
            )
        assert caught.value.code == REQUEST_FAILED
        assert why in caught.value.message, caught.value.message
        assert caught.value.data is None


async def ran(client: LanguageClient, path: Path, uri: str | None = None) -> None:
    """Run ``path``'s workstream (named by ``uri``, if given) and wait until it is done."""
    assert run_branches(path) == []
    await run(client, uri or path.as_uri())
    await wait_for(lambda: any("ws-trust" in m.message for m in client.messages), 60)
    assert "workstream/ws-trust/step/ok" in run_branches(path)


async def test_without_a_folder_runs_are_refused_until_one_is_opened(tmp_path: Path):
    path = make_repo(tmp_path / "repo", QUICK)
    client = await start(initialize_params("visual-studio-code", root=None))
    try:
        await refused(client, path.as_uri(), "no workspace folder is open")
        with pytest.raises(JsonRpcException, match="Open the folder"):
            await run(client, path.as_uri())
        assert run_branches(path) == []
        # Opening the folder later (workspace/didChangeWorkspaceFolders) enables its runs...
        change_folders(client, added=(path.parent,))
        await ran(client, path)
        # ... and closing it disables them again.
        change_folders(client, removed=(path.parent,))
        await refused(client, path.as_uri(), "no workspace folder is open")
    finally:
        await stop(client)


async def test_files_outside_the_folders_are_refused_through_links_and_dotdot(tmp_path: Path):
    workspace = tmp_path / "workspace"
    inside = make_repo(workspace / "inside", QUICK)
    outside = make_repo(tmp_path / "outside", QUICK)
    (workspace / "linked.workstream.json").symlink_to(outside)
    (workspace / "linked-dir").symlink_to(outside.parent)
    escapes = [
        outside.as_uri(),
        (workspace / "linked.workstream.json").as_uri(),
        (workspace / "linked-dir" / outside.name).as_uri(),
        f"{workspace.as_uri()}/../outside/{outside.name}",
        f"{workspace.as_uri()}/inside/%2e%2e/%2E%2E/outside/{outside.name}",
        f"{(workspace / 'inside').as_uri()}/../../outside/{outside.name}",
    ]
    # rootPath only (the oldest way to name the folder): it still bounds the runs.
    caps = client_capabilities("neovim")
    client = await start(types.InitializeParams(capabilities=caps, root_path=str(workspace)))
    try:
        for uri in escapes:
            await refused(client, uri, "outside the workspace folders")
        assert run_branches(outside) == []
        # A ".." that stays inside is resolved, and allowed.
        await ran(client, inside, f"{workspace.as_uri()}/inside/../inside/{inside.name}")
    finally:
        await stop(client)
    assert run_branches(outside) == []


async def test_a_linked_workspace_folder_holds_what_its_target_holds(tmp_path: Path):
    path = make_repo(tmp_path / "real", QUICK)
    link = tmp_path / "link"
    link.symlink_to(path.parent)
    other = make_repo(tmp_path / "other", QUICK)
    client = await start(initialize_params("visual-studio-code", root=link))
    try:
        await refused(client, other.as_uri(), "outside the workspace folders")
        await ran(client, path)  # named by its real path, inside the link's target
    finally:
        await stop(client)
    assert os.path.islink(link)
