"""Runs from the editor over stdio: commands, progress, stepStatus, WS5xx, lenses, trust.

Runs execute real steps in a real git repository (a temporary folder, which each test opens
as a workspace folder: runs are only for files inside one).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import CLIENTS, SERVER, change_folders, initialize_params, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="module")

WORKSTREAM = """{
  "id": "ws-runs",
  "steps": [
    {"id": "ok", "run": "echo hello > ok.txt", "files": ["ok.txt"]},
    {"id": "bad", "run": "echo first line; echo boom-tail; exit 3", "files": []},
    {"id": "after", "run": "true", "depends_on": ["bad"], "files": []}
  ]
}
"""


def make_repo(root: Path, text: str = WORKSTREAM) -> Path:
    """A git repository with one commit holding the workstream file."""
    root.mkdir(parents=True, exist_ok=True)
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(root),
    }
    (root / "plan.workstream.json").write_text(text, encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    return root / "plan.workstream.json"


def run_branches(path: Path) -> list[str]:
    """The branches runs of the workstream at ``path`` left in its repository (none: it
    never ran; the steps' files are in those branches, never in the checkout)."""
    out = subprocess.run(
        ["git", "branch", "--list", "workstream/*", "--format=%(refname:short)"],
        cwd=path.parent,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.split()


def record(client: LanguageClient) -> LanguageClient:
    """Collect ``workstream/stepStatus`` notifications and count lens refresh requests."""
    client.step_statuses = []
    client.lens_refreshes = []
    client.feature("workstream/stepStatus")(lambda params: client.step_statuses.append(params))
    client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(
        lambda params: client.lens_refreshes.append(params)
    )
    return client


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


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def untrusted(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(initialize_params("neovim", trusted=False))
    yield
    await lsp_client.shutdown_session()


def open_file(client: LanguageClient, path: Path) -> str:
    """Open the folder holding ``path`` in the workspace, then the file."""
    change_folders(client, added=(path.parent,))
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="json", version=1, text=path.read_text(encoding="utf-8")
            )
        )
    )
    return uri


async def lens_titles(client: LanguageClient, uri: str) -> list[str]:
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return [lens.command.title for lens in lenses or [] if lens.command]


async def test_run_workstream_reports_progress_status_diagnostics_and_lenses(
    client: LanguageClient, tmp_path: Path
):
    path = make_repo(tmp_path / "repo")
    uri = open_file(client, path)
    await wait_for(lambda: uri in client.diagnostics)
    assert await lens_titles(client, uri) == ["▶ Run workstream"] + ["▶ Run step"] * 3
    assert not client.step_statuses  # nothing ran on open, hover or lenses

    run_id = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.runWorkstream", arguments=[uri])
    )
    assert isinstance(run_id, str) and run_id

    # Standard progress: begin, reports, end.
    token = f"workstream-run-{run_id}"
    reports = await wait_for(
        lambda: (
            (r := client.progress_reports.get(token))
            and isinstance(r[-1], types.WorkDoneProgressEnd)
            and r
        ),
        timeout=60,
    )
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    messages = [r.message for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert any(m and "/3 done" in m for m in messages)
    assert any(m and "running:" in m for m in messages)

    # workstream/stepStatus for each change.
    finals = {
        s.stepId: s
        for s in client.step_statuses
        if s.runId == run_id and s.status in ("succeeded", "failed", "skipped")
    }
    assert {k: v.status for k, v in finals.items()} == {
        "ok": "succeeded",
        "bad": "failed",
        "after": "skipped",
    }
    assert finals["bad"].logPath and finals["bad"].uri == uri
    assert finals["ok"].durationMs is not None

    # A WS501 on the failed step's id, with the tail of its log and a link to the log.
    diagnostic = await wait_for(
        lambda: next((d for d in client.diagnostics[uri] if d.code == "WS501"), None)
    )
    assert "boom-tail" in diagnostic.message
    assert diagnostic.related_information
    assert diagnostic.related_information[0].location.uri == Path(finals["bad"].logPath).as_uri()
    line = WORKSTREAM.splitlines().index(next(x for x in WORKSTREAM.splitlines() if '"bad"' in x))
    assert diagnostic.range.start.line == line

    # The summary, and statuses in the lenses.
    await wait_for(lambda: any("ws-runs" in m.message for m in client.messages))
    titles = await lens_titles(client, uri)
    if client.capabilities.workspace.code_lens:  # VS Code asks to be told; Neovim 0.7 not
        assert client.lens_refreshes
    assert any(t.startswith("✓ ") and t.endswith(" s") for t in titles)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    failed = next(lens for lens in lenses or [] if lens.command.title.startswith("✗ failed"))
    # the VS Code client runs workstream.showStepLog itself: its status lenses open the log
    if client.client_kind == "visual-studio-code":
        assert failed.command.command == "workstream.showStepLog"
        assert list(failed.command.arguments or ()) == [uri, "bad", finals["bad"].logPath]
    else:
        assert failed.command.command == ""
    assert any(t.startswith("✗ failed") for t in titles)
    assert "↷ skipped" in titles
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(
                line=line, character=WORKSTREAM.splitlines()[line].index('"bad"') + 1
            ),
        )
    )
    assert hover is not None and "last run: ✗ failed" in hover.contents.value  # type: ignore[union-attr]


async def test_statuses_survive_a_restart(tmp_path: Path):
    path = make_repo(tmp_path / "repo")
    first = ClientServerConfig(server_command=SERVER)
    client = record(await first.start())
    try:
        await client.initialize_session(initialize_params("neovim", root=path.parent))
        uri = open_file(client, path)
        run_id = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="workstream.runStep", arguments=[uri, "ok"])
        )
        await wait_for(lambda: any("ws-runs" in m.message for m in client.messages), timeout=60)
        assert run_id
        await client.shutdown_session()
    finally:
        await client.stop()
    client = record(await first.start())
    try:
        await client.initialize_session(initialize_params("visual-studio-code"))
        uri = open_file(client, path)
        await wait_for(lambda: uri in client.diagnostics)
        await wait_for(lambda: client.lens_refreshes)  # statuses read back from the state file
        titles = await lens_titles(client, uri)
        assert any(t.startswith("✓ ") for t in titles)
        await client.shutdown_session()
    finally:
        await client.stop()


async def test_untrusted_workspace_refuses_runs(untrusted: LanguageClient, tmp_path: Path):
    path = make_repo(tmp_path / "repo")
    uri = open_file(untrusted, path)
    for command, arguments in (
        ("workstream.runWorkstream", [uri]),
        ("workstream.runStep", [uri, "ok"]),
    ):
        with pytest.raises(JsonRpcException, match="not trusted"):
            await untrusted.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command, arguments=arguments)
            )
    assert run_branches(path) == []


async def test_the_progress_cancel_button_cancels_the_run(client: LanguageClient, tmp_path: Path):
    slow = '{"id": "ws-slow", "steps": [{"id": "nap", "run": "sleep 30", "files": []}]}'
    path = make_repo(tmp_path / "repo", slow)
    uri = open_file(client, path)
    run_id = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.runWorkstream", arguments=[uri])
    )
    token = f"workstream-run-{run_id}"
    begin = await wait_for(lambda: (r := client.progress_reports.get(token)) and r[0], 30)
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
    await wait_for(
        lambda: any(s.runId == run_id and s.status == "running" for s in client.step_statuses), 30
    )
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    status = await wait_for(
        lambda: next(
            (s for s in client.step_statuses if s.runId == run_id and s.status == "cancelled"),
            None,
        ),
        30,
    )
    assert status.stepId == "nap"


async def test_cancel_unknown_run_and_bad_arguments(client: LanguageClient):
    assert (
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="workstream.cancelRun", arguments=["no-such-run"])
        )
        is False
    )
    with pytest.raises(JsonRpcException):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="workstream.runStep", arguments=[])
        )
