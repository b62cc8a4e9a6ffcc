"""Bad ``workspace/executeCommand`` arguments get short errors, never a Python traceback.

Wrong types, missing and extra arguments, huge strings, URIs that are not local files and URIs
that climb out of the workspace with ``..``: each is an error with a short message and no data,
and nothing runs. The last test reads the raw responses, to see every byte the server sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, initialize_params
from tests.lsp.raw import RawServer
from tests.lsp.test_runs import make_repo, run_branches

pytestmark = pytest.mark.asyncio(loop_scope="module")

INVALID_PARAMS = -32602
REQUEST_FAILED = -32803
HUGE = "x" * 1_000_000


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    make_repo(root / "inside")
    make_repo(root.parent / f"{root.name}-outside")
    return root


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient, workspace: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(initialize_params("visual-studio-code", root=workspace))
    yield
    await lsp_client.shutdown_session()


def bad_arguments(workspace: Path) -> list[tuple[str, Any]]:
    """(command, arguments) pairs that are wrong in themselves."""
    uri = (workspace / "inside" / "plan.workstream.json").as_uri()
    not_local = [
        "untitled:Untitled-1",
        "http://example.com/plan.workstream.json",
        "file://evil.example.com/etc/plan.workstream.json",
        "file:relative/plan.workstream.json",
        "file:///tmp/%00plan.workstream.json",
        f"{uri}?query=1",
        f"{uri}#fragment",
        "file:",
        "",
    ]
    cases: list[tuple[str, Any]] = [
        ("workstream.runStep", None),
        ("workstream.runStep", []),
        ("workstream.runStep", [uri]),
        ("workstream.runStep", [uri, "ok", "extra"]),
        ("workstream.runStep", [123, "ok"]),
        ("workstream.runStep", [uri, 5]),
        ("workstream.runStep", [uri, None]),
        ("workstream.runStep", [{"uri": uri}, "ok"]),
        ("workstream.runStep", [[uri], "ok"]),
        ("workstream.runStep", [uri, True]),
        ("workstream.runStep", [HUGE, "ok"]),
        ("workstream.runStep", [uri, HUGE]),
        ("workstream.runStep", [uri] * 10_000),
        ("workstream.runWorkstream", None),
        ("workstream.runWorkstream", [3.5]),
        ("workstream.runWorkstream", [HUGE]),
        ("workstream.runWorkstream", [{"deeply": [[[[{"nested": None}]]]]}]),
        ("workstream.cancelRun", []),
        ("workstream.cancelRun", [7]),
        ("workstream.cancelRun", [HUGE]),
        ("workstream.graph", []),
        ("workstream.graph", [False]),
        ("workstream.graph", [HUGE]),
        ("workstream.graph", ["file:///etc/passwd"]),  # not open, not in the workspace
    ]
    cases += [("workstream.runWorkstream", [u]) for u in not_local]
    cases += [("workstream.runStep", [u, "ok"]) for u in not_local]
    return cases


def escapes(workspace: Path) -> list[str]:
    """Local file URIs that lead out of the workspace with ``..`` (plain or encoded)."""
    name = f"{workspace.name}-outside/plan.workstream.json"
    return [
        f"{workspace.as_uri()}/../{name}",
        f"{workspace.as_uri()}/inside/%2E%2E/%2e%2e/{name}",
        f"{workspace.as_uri()}/inside/..%2F..%2F{name}",
        f"{workspace.as_uri()}/" + "../" * 40 + f"{workspace.parent.relative_to('/')}/{name}",
    ]


def assert_short(error: JsonRpcException) -> None:
    assert error.data is None
    assert len(error.message) < 300, error.message
    assert "Traceback" not in error.message and 'File "' not in error.message
    assert "x" * 100 not in error.message  # a huge argument is never echoed


async def test_bad_arguments_are_invalid_params_with_a_short_message(
    client: LanguageClient, workspace: Path
):
    for command, arguments in bad_arguments(workspace):
        with pytest.raises(JsonRpcException) as caught:
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command, arguments=arguments)
            )
        assert caught.value.code == INVALID_PARAMS, (command, str(arguments)[:80])
        assert_short(caught.value)
    assert run_branches(workspace / "inside" / "plan.workstream.json") == []


async def test_uris_that_climb_out_of_the_workspace_are_refused(
    client: LanguageClient, workspace: Path
):
    outside = workspace.parent / f"{workspace.name}-outside" / "plan.workstream.json"
    for uri in escapes(workspace):
        for command, arguments in (
            ("workstream.runWorkstream", [uri]),
            ("workstream.runStep", [uri, "ok"]),
        ):
            with pytest.raises(JsonRpcException) as caught:
                await client.workspace_execute_command_async(
                    types.ExecuteCommandParams(command=command, arguments=arguments)
                )
            assert caught.value.code == REQUEST_FAILED, uri
            assert "outside the workspace folders" in caught.value.message
            assert_short(caught.value)
        with pytest.raises(JsonRpcException) as caught:  # nor is the file read for a graph
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="workstream.graph", arguments=[uri])
            )
        assert caught.value.code == INVALID_PARAMS
    assert run_branches(outside) == []


async def test_the_raw_error_responses_hold_a_code_and_a_short_message_only(workspace: Path):
    server = await RawServer.start()
    try:
        await server.initialize(rootUri=workspace.as_uri())
        cases = [*bad_arguments(workspace)]
        cases += [("workstream.runWorkstream", [uri]) for uri in escapes(workspace)]
        for command, arguments in cases:
            params: dict[str, Any] = {"command": command}
            if arguments is not None:
                params["arguments"] = arguments
            answer = await server.call("workspace/executeCommand", params)
            assert set(answer) == {"jsonrpc", "id", "error"}, answer
            assert set(answer["error"]) == {"code", "message"}
            raw = json.dumps(answer)
            assert len(raw) < 500 and "Traceback" not in raw and 'File "' not in raw, raw[:200]
        assert (await server.call("shutdown"))["result"] is None
        assert await server.exit_code() == 0
    finally:
        await server.close()
