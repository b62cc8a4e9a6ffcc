"""The real server as a subprocess, spoken to frame by frame (no client library in between).

pytest-lsp's client sends only what lsprotocol can serialise, waits for ``initialize`` before
anything else, and turns every answer into lsprotocol objects (seconds for a 32,000-symbol
outline). Tests of the lifecycle, of exact error shapes and of timings speak JSON-RPC here
instead: what is measured is the server, and what is checked is the bytes it sent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.lsp.conftest import SERVER


def frame(message: Any) -> bytes:
    """One message with its Content-Length header (bytes are sent as they are)."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def read_message(stdout: asyncio.StreamReader) -> Any:
    """The next message the server wrote."""
    length = 0
    while (line := await stdout.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    if not length:
        raise EOFError("the server closed its output")
    return json.loads(await stdout.readexactly(length))


class RawServer:
    """``workstream serve`` on pipes; every message it sends is kept in ``received``."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.received: list[Any] = []
        self._next_id = 1000

    @classmethod
    async def start(cls) -> RawServer:
        process = await asyncio.create_subprocess_exec(
            *SERVER,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process)

    def send(self, message: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(frame(message))

    def request(self, method: str, params: Any = None) -> int:
        """Send a request; returns its id."""
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self._next_id

    def notify(self, method: str, params: Any = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    async def next(self, timeout: float = 30) -> Any:
        assert self.process.stdout is not None
        message = await asyncio.wait_for(read_message(self.process.stdout), timeout)
        self.received.append(message)
        return message

    async def response(self, msg_id: int, timeout: float = 30) -> Any:
        """The response to request ``msg_id`` (reading, and keeping, whatever comes before)."""
        for message in self.received:
            if message.get("id") == msg_id and "method" not in message:
                return message
        while True:
            message = await self.next(timeout)
            if message.get("id") == msg_id and "method" not in message:
                return message

    async def call(self, method: str, params: Any = None, timeout: float = 30) -> Any:
        """Send a request and wait for its response."""
        return await self.response(self.request(method, params), timeout)

    async def notification(self, method: str, timeout: float = 30) -> Any:
        """The next notification ``method`` not read yet."""
        while True:
            message = await self.next(timeout)
            if message.get("method") == method and "id" not in message:
                return message

    async def initialize(self, **params: Any) -> Any:
        """``initialize`` (no capabilities unless given) then ``initialized``."""
        answer = await self.call("initialize", {"capabilities": {}, "processId": None, **params})
        self.notify("initialized", {})
        return answer

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "json", "version": version, "text": text}},
        )

    async def exit_code(self, timeout: float = 10) -> int:
        """Send ``exit`` and wait for the process to end."""
        self.notify("exit")
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def close(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
