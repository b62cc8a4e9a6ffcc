"""Hover on a candidate object of a step (its braces, a key or a value inside it), over stdio:
its effective definition (what it changes from the step, and what it keeps), its attempts,
how the step chooses; after a real run on real git, how each of its runs ended (outcome,
score, selected or not, branch)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, at, initialize_params, open_doc, wait_for
from tests.lsp.test_runs import make_repo, open_file, record

pytestmark = pytest.mark.asyncio(loop_scope="module")

SAMPLE = Path(__file__).parents[2] / "samples" / "candidates" / "candidates.workstream.json"

WORKSTREAM = """{
  "id": "ws-cand-hover",
  "steps": [
    {
      "id": "pick",
      "files": ["out.txt"],
      "run": "echo $N > out.txt",
      "env": {"N": "30", "KEEP": "yes"},
      "candidates": [
        {},
        {"env": {"N": "0.91", "EXTRA": "1"}},
        {"run": "echo 50 > out.txt", "attempts": 2}
      ],
      "select": {"score": "cat out.txt", "better": "lower"}
    },
    {"id": "plain", "run": "true", "files": []}
  ]
}
"""


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    record(lsp_client)
    await lsp_client.initialize_session(initialize_params("visual-studio-code"))
    yield
    await lsp_client.shutdown_session()


async def hover(client: LanguageClient, uri: str, position: types.Position) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )


def value(found: types.Hover | None) -> str:
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents.value


async def test_a_candidate_shows_its_effective_definition(client: LanguageClient) -> None:
    uri = open_doc(client, WORKSTREAM)
    await wait_for(lambda: uri in client.diagnostics, 60)
    # on the object's brace: the whole object is the range
    found = await hover(client, uri, at(client, WORKSTREAM, '{"env": {"N": "0.91"', delta=0))
    shown = value(found)
    assert shown.startswith("**pick: candidate 2 of 3** — env N=0.91 EXTRA=1"), shown
    assert "- tool: `shell` (the step's)" in shown
    assert "- run: `echo $N > out.txt` (the step's)" in shown
    assert "`N=0.91` (instead of the step's `30`)" in shown
    assert "`KEEP=yes` (the step's)" in shown and "`EXTRA=1` (added)" in shown
    assert "the lowest score of `cat out.txt`" in shown
    assert "- last run: not run yet" in shown
    assert found is not None and found.range is not None
    line = WORKSTREAM.splitlines()[found.range.start.line]
    assert line[found.range.start.character :].startswith('{"env"')
    assert found.range.end.line == found.range.start.line
    assert line[: found.range.end.character].endswith('"1"}}')

    # on a key inside the third: it overrides run and runs twice
    shown = value(await hover(client, uri, at(client, WORKSTREAM, '"attempts"')))
    assert shown.startswith("**pick: candidate 3 of 3** — run: echo 50 > out.txt"), shown
    assert "- run: `echo 50 > out.txt` (instead of the step's `echo $N > out.txt`)" in shown
    assert "- attempts: 2 runs of this definition (runs 3, 4)" in shown

    # on the empty one: the step as it is
    shown = value(await hover(client, uri, at(client, WORKSTREAM, "{},", delta=0)))
    assert shown.startswith("**pick: candidate 1 of 3** — as the step"), shown
    assert "`N=30` (the step's)" in shown

    # the "candidates" key (the schema's documentation) and the step id keep their own hovers
    shown = value(await hover(client, uri, at(client, WORKSTREAM, '"candidates"')))
    assert shown.startswith("**candidates** — `steps[].candidates`"), shown
    assert "candidates: 4 runs" in value(await hover(client, uri, at(client, WORKSTREAM, '"pick"')))


async def test_after_a_run_each_of_its_runs_says_how_it_ended(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = make_repo(tmp_path / "repo", WORKSTREAM)
    ran = subprocess.run(
        [sys.executable, "-m", "workstream", "run", str(path)],
        cwd=path.parent,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        },
        timeout=120,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    uri = open_file(client, path)
    await wait_for(lambda: uri in client.diagnostics, 60)
    branch = "workstream/ws-cand-hover/candidate/pick/{}"

    async def shown(needle: str, delta: int = 0) -> str:
        text = ""
        for _ in range(200):  # the statuses load in the background: up to 10 s
            text = value(await hover(client, uri, at(client, WORKSTREAM, needle, delta=delta)))
            if "not run yet" not in text:
                break
            await asyncio.sleep(0.05)
        return text

    second = await shown('"0.91"', 1)
    assert (
        "- last run (candidate 2): succeeded, score 0.91, **selected** (its commit is the "
        f"step's result), branch `{branch.format(2)}`"
    ) in second, second
    first = await shown("{},")
    assert (
        f"- last run (candidate 1): succeeded, score 30, not selected, branch `{branch.format(1)}`"
        in first
    ), first
    third = await shown('"echo 50')
    for n in (3, 4):
        assert (
            f"- last run (run {n}): succeeded, score 50, not selected, branch `{branch.format(n)}`"
            in third
        ), third


async def test_a_run_on_a_step_without_one_is_said_so(client: LanguageClient) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    uri = open_doc(client, text)
    await wait_for(lambda: uri in client.diagnostics, 60)
    shown = value(await hover(client, uri, at(client, text, "echo 'Hello, world!' >")))
    assert shown.startswith("**greeting: candidate 2 of 3** — run: mkdir -p app"), shown
    assert "(the step has none)" in shown and "instead of" not in shown
