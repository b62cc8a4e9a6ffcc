"""An AI step's transcript in the editor: a lens that opens it, a link in the hover, the tool's
own description on hover of its name.

The "AI tool" is a shell one-liner defined under ``tools`` that writes its conversation to
``{transcript}``, as aider does with ``--chat-history-file``; it runs for real in a real
repository (in the sandbox when bubblewrap works here).
"""

from __future__ import annotations

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
  "id": "ws-talk",
  "tools": {
    "talker": {
      "command": ["sh", "-c",
          "printf '#### %s\\\\nDone.\\\\n' \\"${1#--prompt=}\\" > \\"$2\\"; echo hi > out.txt",
          "talker", "--prompt={prompt}", "{transcript}"],
      "description": "a model of an AI tool"
    }
  },
  "steps": [
    {"id": "talk", "tool": "talker", "tasks": ["write out.txt"], "files": ["out.txt"]},
    {"id": "quiet", "run": "true", "files": []}
  ]
}
"""


@pytest_lsp.fixture(
    params=CLIENTS, scope="module", config=ClientServerConfig(server_command=SERVER)
)
async def client(request: Any, lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    record(lsp_client)
    lsp_client.client_kind = request.param
    options = (
        {"clientCommands": ["workstream.showStepLog"]}
        if request.param == "visual-studio-code"
        else {}
    )
    await lsp_client.initialize_session(initialize_params(request.param, **options))
    yield
    await lsp_client.shutdown_session()


def _hover_at(text: str, needle: str, uri: str) -> types.HoverParams:
    line = next(n for n, x in enumerate(text.splitlines()) if needle in x)
    column = text.splitlines()[line].index(needle) + 1
    return types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=column),
    )


async def test_the_transcript_is_a_lens_and_a_link_in_the_hover(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = make_repo(tmp_path / "repo", WORKSTREAM)
    uri = open_file(client, path)
    await wait_for(lambda: uri in client.diagnostics)
    assert [d.message for d in client.diagnostics[uri]] == []
    run_id = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.runWorkstream", arguments=[uri])
    )
    finals = await wait_for(
        lambda: (
            (
                {
                    s.stepId: s
                    for s in client.step_statuses
                    if s.runId == run_id and s.status in ("succeeded", "failed")
                }
                or None
            )
            if sum(s.runId == run_id and s.status == "succeeded" for s in client.step_statuses) == 2
            else None
        ),
        timeout=60,
    )
    assert set(finals) == {"talk", "quiet"}
    log = Path(finals["talk"].logPath)
    transcript = log.with_name("talk.transcript.md")
    assert transcript.read_text() == "#### write out.txt\nDone.\n"
    assert not log.with_name("quiet.transcript.md").exists()

    hover = await client.text_document_hover_async(_hover_at(WORKSTREAM, '"talk"', uri))
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    assert f"transcript: [talk.transcript.md]({transcript.as_uri()})" in value
    quiet = await client.text_document_hover_async(_hover_at(WORKSTREAM, '"quiet"', uri))
    assert quiet is not None and "transcript" not in quiet.contents.value  # type: ignore[union-attr]

    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    opening = [lens for lens in lenses or [] if lens.command and lens.command.title == "transcript"]
    if client.client_kind == "visual-studio-code":
        assert len(opening) == 1
        assert opening[0].command is not None
        assert opening[0].command.command == "workstream.showStepLog"
        assert list(opening[0].command.arguments or ()) == [uri, "talk", str(transcript)]
    else:  # without the client command a lens could not open it: the hover's link does
        assert opening == []


async def test_hover_on_a_builtin_tool_shows_its_command_and_bookkeeping(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = '{"id": "w", "steps": [{"id": "a", "tool": "aider", "tasks": ["x"], "files": []}]}'
    path = make_repo(tmp_path / "tools", text)
    uri = open_file(client, path)
    await wait_for(lambda: uri in client.diagnostics)
    hover = await client.text_document_hover_async(_hover_at(text, '"aider"', uri))
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    assert "**tool aider** (built in)" in value
    assert "--message={prompt}" in value and "`.aider*`" in value
