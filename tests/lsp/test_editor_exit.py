"""The editor goes away during a run: every step's processes stop, with or without sandbox.

An AI step left running after its editor closed keeps spending money. Three ways an editor
leaves: ``shutdown`` then ``exit``, ``exit`` alone, and its end of the pipe closing (a crash).
Each test finds the step's processes by a unique marker in their command lines.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest

from tests.lsp.raw import RawServer
from tests.lsp.test_runs import make_repo

pytestmark = pytest.mark.asyncio(loop_scope="function")


def live(marker: str) -> list[int]:
    """Live (not zombie) processes whose command line holds ``marker``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            out.append(int(entry.name))
    return out


async def until(predicate: object, timeout: float) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return bool(predicate())


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox", "no-sandbox"])
@pytest.mark.parametrize("leaving", ["shutdown-exit", "exit", "pipe-closed"])
async def test_no_step_outlives_the_editor(tmp_path: Path, sandbox: bool, leaving: str) -> None:
    marker = f"wsedit{uuid.uuid4().hex}"
    text = json.dumps(
        {
            "id": "ws-leave",
            "execution": {"sandbox": sandbox},
            "steps": [{"id": "long", "run": f"sleep 120; : {marker}", "files": []}],
        }
    )
    path = make_repo(tmp_path / "repo", text)
    server = await RawServer.start()
    try:
        await server.initialize(rootUri=path.parent.as_uri())
        server.open(path.as_uri(), text)
        await server.notification("textDocument/publishDiagnostics", timeout=30)
        answer = await server.call(
            "workspace/executeCommand",
            {"command": "workstream.runWorkstream", "arguments": [path.as_uri()]},
        )
        assert "error" not in answer, answer
        assert await until(lambda: live(marker), 30), "the step never started"
        if leaving == "shutdown-exit":
            await server.call("shutdown")
            server.notify("exit")
        elif leaving == "exit":
            server.notify("exit")
        else:
            assert server.process.stdin is not None
            server.process.stdin.close()
        await asyncio.wait_for(server.process.wait(), 30)
        assert await until(lambda: not live(marker), 10), live(marker)
    finally:
        await server.close()
