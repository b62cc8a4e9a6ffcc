"""The lifecycle keeps to the protocol: nothing but ``initialize`` before it, ``initialize``
once, nothing but ``exit`` after ``shutdown``. Raw frames (:mod:`tests.lsp.raw`): a client
library would never send these in this order.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.lsp.raw import RawServer
from tests.lsp.test_runs import make_repo, run_branches

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVER_NOT_INITIALIZED = -32002
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
REQUEST_FAILED = -32803

TEXT = '{"id": "x", "steps": [{"id": "a", "run": "true"}]}'


def run_workstream(path: Path) -> dict[str, object]:
    return {"command": "workstream.runWorkstream", "arguments": [path.as_uri()]}


def hover(uri: str) -> dict[str, object]:
    return {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 25}}


async def test_before_initialize_requests_are_refused_and_notifications_dropped(tmp_path: Path):
    path = make_repo(tmp_path / "repo")
    dropped = (tmp_path / "repo" / "dropped.workstream.json").as_uri()
    server = await RawServer.start()
    try:
        for method, params in (
            ("workspace/executeCommand", run_workstream(path)),
            ("textDocument/hover", hover(dropped)),
            ("textDocument/hover", {"textDocument": {"uri": 3}}),  # unreadable, too
            ("shutdown", None),
            ("workstream/unknown", {}),
        ):
            answer = await server.call(method, params)
            assert answer["error"]["code"] == SERVER_NOT_INITIALIZED, (method, answer)
            assert "initialize" in answer["error"]["message"]
        server.open(dropped, TEXT)  # a notification before initialize: dropped
        server.notify(
            "workspace/didChangeWorkspaceFolders", {"event": {"added": [], "removed": []}}
        )
        # An initialize that cannot be read is answered, and does not count.
        unreadable = await server.call("initialize", {"capabilities": 7})
        assert unreadable["error"]["code"] == INVALID_PARAMS
        again = await server.call("textDocument/hover", hover(dropped))
        assert again["error"]["code"] == SERVER_NOT_INITIALIZED

        answer = await server.initialize(rootUri=(tmp_path / "repo").as_uri())
        assert "capabilities" in answer["result"]
        # The document sent before initialize was never opened: no hover, no diagnostics.
        assert (await server.call("textDocument/hover", hover(dropped)))["result"] is None
        opened = (tmp_path / "repo" / "opened.workstream.json").as_uri()
        server.open(opened, TEXT)
        published = await server.notification("textDocument/publishDiagnostics")
        assert published["params"]["uri"] == opened
        assert not any(
            m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == dropped
            for m in server.received
        )
        assert run_branches(path) == []  # the early run never ran
        assert (await server.call("shutdown"))["result"] is None
        assert await server.exit_code() == 0
    finally:
        await server.close()


async def test_exit_before_initialize_ends_the_server_with_an_error_code():
    server = await RawServer.start()
    try:
        assert await server.exit_code() == 1  # exit without shutdown (LSP: code 1)
    finally:
        await server.close()


async def test_a_second_initialize_is_refused_and_turns_nothing_back_on(tmp_path: Path):
    path = make_repo(tmp_path / "repo")
    server = await RawServer.start()
    try:
        first = await server.initialize(
            rootUri=path.parent.as_uri(), initializationOptions={"trusted": False}
        )
        assert "capabilities" in first["result"]
        for params in (
            {
                "capabilities": {},
                "processId": None,
                "rootUri": path.parent.as_uri(),
                "initializationOptions": {"trusted": True},
            },
            {"capabilities": 7},  # unreadable: refused the same way
        ):
            second = await server.call("initialize", params)
            assert "result" not in second
            assert second["error"]["code"] == INVALID_REQUEST
            assert "already initialized" in second["error"]["message"]
        refused = await server.call("workspace/executeCommand", run_workstream(path))
        assert refused["error"]["code"] == REQUEST_FAILED
        assert "not trusted" in refused["error"]["message"]
        await asyncio.sleep(0.5)
        assert run_branches(path) == []
        assert (await server.call("shutdown"))["result"] is None
        assert await server.exit_code() == 0
    finally:
        await server.close()


async def test_after_shutdown_only_exit_is_accepted(tmp_path: Path):
    path = make_repo(tmp_path / "repo")
    uri = path.as_uri()
    server = await RawServer.start()
    try:
        await server.initialize(rootUri=path.parent.as_uri())
        assert (await server.call("shutdown"))["result"] is None
        for method, params in (
            ("workspace/executeCommand", run_workstream(path)),
            ("textDocument/hover", hover(uri)),
            ("shutdown", None),
            ("initialize", {"capabilities": {}, "processId": None}),
        ):
            answer = await server.call(method, params)
            assert answer["error"]["code"] == INVALID_REQUEST, (method, answer)
            assert "shutting down" in answer["error"]["message"]
        server.open(uri, TEXT)  # dropped: no diagnostics come
        with pytest.raises(TimeoutError):
            await server.notification("textDocument/publishDiagnostics", timeout=1)
        assert run_branches(path) == []
        assert await server.exit_code() == 0
    finally:
        await server.close()
