"""A step with candidates in the editor: its status lens names the candidate chosen and its
score, from the state file of a real run on real git (made with the CLI before the file opens).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import CLIENTS, SERVER, initialize_params, wait_for
from tests.lsp.test_runs import make_repo, open_file, record

pytestmark = pytest.mark.asyncio(loop_scope="module")

WORKSTREAM = """{
  "id": "ws-pick",
  "steps": [
    {
      "id": "pick",
      "files": ["out.txt"],
      "candidates": [
        {"run": "echo 30 > out.txt"},
        {"run": "echo 0.91 > out.txt"},
        {"run": "echo 50 > out.txt"}
      ],
      "select": {"score": "cat out.txt", "better": "lower"}
    },
    {"id": "plain", "run": "true", "files": []}
  ]
}
"""


@pytest_lsp.fixture(
    params=CLIENTS, scope="module", config=ClientServerConfig(server_command=SERVER)
)
async def client(request: Any, lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    record(lsp_client)
    lsp_client.client_kind = request.param
    await lsp_client.initialize_session(initialize_params(request.param))
    yield
    await lsp_client.shutdown_session()


async def test_the_lens_says_which_candidate_was_selected_and_its_score(
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
    await wait_for(lambda: uri in client.diagnostics)

    async def titles() -> list[str]:
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        return [lens.command.title for lens in lenses or () if lens.command]

    found: list[str] = []
    for _ in range(200):  # the statuses load in the background: up to 10 s
        found = await titles()
        if any(t.startswith("✓") for t in found):
            break
        await asyncio.sleep(0.05)
    picked = [t for t in found if t.startswith("✓ candidate")]
    assert len(picked) == 1, found
    assert picked[0].startswith("✓ candidate 2 of 3 selected (score 0.91) · ")
    assert picked[0].endswith(" s")
    plain = [t for t in found if t.startswith("✓") and "candidate" not in t]
    assert len(plain) == 1  # the step without candidates keeps its plain lens

    # the hover of the step lists each candidate of the last run: status, score, selected, branch
    text = path.read_text(encoding="utf-8")
    line = next(n for n, x in enumerate(text.splitlines()) if '"id": "pick"' in x)
    column = text.splitlines()[line].index('"pick"') + 2
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=column),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    shown = hover.contents.value
    branch = "workstream/ws-pick/candidate/pick/{}"
    for n, score, selected in ((1, "30", False), (2, "0.91", True), (3, "50", False)):
        mark = "selected" in next(x for x in shown.splitlines() if f"candidate {n} (" in x)
        assert mark is selected, shown
        assert f"succeeded, score {score}" in shown and branch.format(n) in shown, shown
    assert "candidate 1 (run: echo 30 > out.txt): succeeded, score 30" in shown, shown
