"""Statuses stay true (issue 10, point 3), over stdio on real runs.

A step whose definition changed since its last run says so in its lens ("✓ 0.1 s · changed
since"), decided from the fingerprint ``--resume`` compares; a failure's WS501 goes away once
the failed step's definition changed; a step whose start point moved since (a dependency ran
again) says so too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import wait_for
from tests.lsp.test_refusals import change, lenses, run_command, start
from tests.lsp.test_runs import make_repo, open_file

pytestmark = pytest.mark.asyncio(loop_scope="function")

PLAN = """{
  "id": "ws-fresh",
  "steps": [
    {"id": "first", "run": "date +%s%N > a.txt", "files": ["a.txt"]},
    {"id": "second", "run": "cat a.txt > b.txt", "depends_on": ["first"], "files": ["b.txt"]},
    {"id": "bad", "run": "echo boom; exit 3", "files": []}
  ]
}
"""


async def statuses(client: LanguageClient, uri: str) -> dict[str, str]:
    """Each step's status lens title, by the step it stands on (the lenses' order)."""
    titles = [lens.command.title for lens in await lenses(client, uri) if lens.command]
    out, step = {}, iter(("first", "second", "bad"))
    current = None
    for title in titles[1:]:
        if title == "▶ Run step":
            current = next(step)
        elif current is not None and title != "transcript":
            out[current] = title
    return out


async def ran(client: LanguageClient, count: int) -> None:
    """Wait for the ``count``-th run summary."""
    await wait_for(lambda: sum("ws-fresh: run" in m.message for m in client.messages) >= count, 60)


async def test_changed_definitions_and_start_points_show_and_failures_go(tmp_path: Path):
    async with start(tmp_path) as logged:
        client = logged.client
        path = make_repo(tmp_path / "repo", PLAN)
        uri = open_file(client, path)
        await wait_for(lambda: uri in client.diagnostics)
        await run_command(client, "workstream.runWorkstream", uri)
        await ran(client, 1)
        await wait_for(lambda: any(d.code == "WS501" for d in client.diagnostics[uri]))
        seen = await until(client, uri, lambda s: len(s) == 3)
        assert seen["first"].startswith("✓ ") and seen["first"].endswith(" s"), seen
        assert seen["second"].startswith("✓ ") and seen["second"].endswith(" s"), seen
        assert seen["bad"].startswith("✗ failed"), seen

        # The failed step fixed in the editor: its WS501 goes, its lens says it changed.
        fixed = PLAN.replace("echo boom; exit 3", "echo fixed")
        change(client, uri, 2, fixed)
        await wait_for(lambda: all(d.code != "WS501" for d in client.diagnostics[uri]))
        seen = await until(client, uri, lambda s: s["bad"].endswith(" · changed since"))
        assert seen["bad"].startswith("✗ failed"), seen
        assert "changed since" not in seen["first"] + seen["second"], seen

        # The dependencies are part of what ran: dropping one is a change too.
        change(client, uri, 3, fixed.replace('"depends_on": ["first"], ', ""))
        await until(client, uri, lambda s: s["second"].endswith(" · changed since"))

        # Back to what ran: every status true again, the WS501 back.
        change(client, uri, 4, PLAN)
        await wait_for(lambda: any(d.code == "WS501" for d in client.diagnostics[uri]))
        await until(client, uri, lambda s: not any("changed since" in t for t in s.values()))

        # "first" runs again: "second" was built on its older result (read from the state).
        await run_command(client, "workstream.runStep", uri, "first")
        await ran(client, 2)
        seen = await until(client, uri, lambda s: "changed since" in s["second"])
        assert "changed since" not in seen["first"], seen
        line = PLAN.splitlines().index(next(x for x in PLAN.splitlines() if '"second"' in x))
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(
                    line=line, character=PLAN.splitlines()[line].index("second")
                ),
            )
        )
        assert hover is not None and "· changed since" in hover.contents.value  # type: ignore[union-attr]


async def until(
    client: LanguageClient, uri: str, ok: Callable[[dict[str, str]], bool], timeout: float = 10.0
) -> dict[str, str]:
    """Poll the status lenses until ``ok(statuses)``; fail with the last seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        seen = await statuses(client, uri)
        if len(seen) == 3 and ok(seen):
            return seen
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out; statuses: {seen}")
        await asyncio.sleep(0.05)
