"""Malformed frames and ill-typed parameters, written byte by byte to the server's stdin.

pytest-lsp serialises through lsprotocol and cannot send these, so this test speaks the framing
itself (:mod:`tests.lsp.raw`, also used by the lifecycle and timing tests).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.lsp.conftest import SERVER
from tests.lsp.raw import frame, read_message

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = '{"id": "x", "steps": [{"id": "a", "run": "true"}]}'


async def response_to(stdout: asyncio.StreamReader, msg_id: int) -> Any:
    while True:
        message = await asyncio.wait_for(read_message(stdout), 10)
        if message.get("id") == msg_id and "method" not in message:
            return message


async def test_malformed_frames_and_params_get_errors_and_the_server_keeps_answering():
    server = await asyncio.create_subprocess_exec(
        *SERVER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert server.stdin and server.stdout
    try:
        send = server.stdin.write
        send(
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"capabilities": {}, "processId": None},
                }
            )
        )
        assert "capabilities" in (await response_to(server.stdout, 1))["result"]
        send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        uri = "file:///tmp/raw.workstream.json"
        send(
            frame(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {
                        "textDocument": {
                            "uri": uri,
                            "languageId": "json",
                            "version": 1,
                            "text": TEXT,
                        }
                    },
                }
            )
        )
        while (await read_message(server.stdout)).get(
            "method"
        ) != "textDocument/publishDiagnostics":
            pass
        bad_requests = [
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "textDocument/hover",
                "params": {"textDocument": {"uri": 3}},
            },
            {"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover"},
            {"jsonrpc": "2.0", "id": 4, "method": "textDocument/codeLens", "params": [1, 2]},
            {
                "jsonrpc": "2.0",
                "id": 5,
                "method": "textDocument/rename",
                "params": {
                    "textDocument": {"uri": uri},
                    "position": {"line": -4, "character": "x"},
                    "newName": 7,
                },
            },
        ]
        for request in bad_requests:
            send(frame(request))
        send(frame(b"{ this is not json"))
        send(
            frame(
                {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"garbage": True}}
            )
        )
        for request in bad_requests:
            assert "error" in await response_to(server.stdout, request["id"])
        send(
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": 9,
                    "method": "textDocument/hover",
                    "params": {
                        "textDocument": {"uri": uri},
                        "position": {"line": 0, "character": TEXT.index('"a"') + 1},
                    },
                }
            )
        )
        answer = await response_to(server.stdout, 9)
        assert "**a**" in answer["result"]["contents"]["value"]
        send(frame({"jsonrpc": "2.0", "id": 10, "method": "shutdown"}))
        await response_to(server.stdout, 10)
        send(frame({"jsonrpc": "2.0", "method": "exit"}))
        assert await asyncio.wait_for(server.wait(), 10) == 0
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
