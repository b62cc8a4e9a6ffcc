"""``workstream.graphData`` (the graph the VS Code extension draws) and ``workstream/runStatus``
(runs for a client that shows them itself), over stdio against the real server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, initialize_params, open_doc, position_of, wait_for
from tests.lsp.test_runs import make_repo, open_file, record

pytestmark = pytest.mark.asyncio(loop_scope="module")

# a -> b, a -> c, b -> d, c -> d, d -> e: waves a | b c | d | e; c is not on the critical path
# (the longest path is a b d e, the first in file order).
DIAMOND = """{
  "id": "ws-graph",
  "steps": [
    {"id": "a", "run": "true", "files": []},
    {"id": "b", "run": "true", "depends_on": ["a"], "files": []},
    {"id": "c", "run": "exit 4", "depends_on": ["a"], "files": []},
    {"id": "d", "run": "true", "depends_on": ["b", "c"], "files": []},
    {"id": "e", "run": "true", "depends_on": ["d"], "description": "last", "files": []}
  ]
}
"""


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """The VS Code extension's way: it shows runs itself."""
    record(lsp_client)
    lsp_client.run_statuses = []
    lsp_client.feature("workstream/runStatus")(lambda p: lsp_client.run_statuses.append(p))
    options = {"clientShowsRuns": True, "clientCommands": ["workstream.showStepLog"]}
    result = await lsp_client.initialize_session(initialize_params("visual-studio-code", **options))
    lsp_client.position_encoding = str(result.capabilities.position_encoding or "utf-16")
    yield
    await lsp_client.shutdown_session()


async def graph(client: LanguageClient, uri: str) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.graphData", arguments=[uri])
    )


async def test_graph_data_of_an_open_document(client: LanguageClient) -> None:
    uri = open_doc(client, DIAMOND, "graph")
    await wait_for(lambda: uri in client.diagnostics)
    data = await graph(client, uri)
    assert data["workstreamId"] == "ws-graph" and data["uri"] == uri
    assert data["activeRun"] is None and data["version"] == 1
    nodes = {node["id"]: node for node in data["nodes"]}
    assert list(nodes) == ["a", "b", "c", "d", "e"]
    assert {k: n["wave"] for k, n in nodes.items()} == {"a": 1, "b": 2, "c": 2, "d": 3, "e": 4}
    assert data["waves"] == 4
    assert data["criticalPath"] == ["a", "b", "d", "e"]
    assert [k for k, n in nodes.items() if n["onCriticalPath"]] == ["a", "b", "d", "e"]
    assert all(n["status"] is None and n["statusText"] is None for n in nodes.values())
    assert nodes["e"]["description"] == "last"
    edges = {(e["from"], e["to"]): e["critical"] for e in data["edges"]}
    assert edges == {
        ("a", "b"): True,
        ("a", "c"): False,
        ("b", "d"): True,
        ("c", "d"): False,
        ("d", "e"): True,
    }
    # Each node's range is its id (inside the quotes' span) in the current text.
    start = position_of(DIAMOND, '"id": "d"', client.position_encoding, delta=len('"id": '))
    assert nodes["d"]["range"]["start"] == {"line": start.line, "character": start.character}
    assert nodes["d"]["range"]["end"]["character"] == start.character + 3


async def test_graph_data_follows_edits(client: LanguageClient) -> None:
    uri = open_doc(client, DIAMOND, "graph")
    await wait_for(lambda: uri in client.diagnostics)
    edited = DIAMOND.replace('"depends_on": ["d"], ', "")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )

    async def version_2() -> Any:
        data = await graph(client, uri)
        return data if data["version"] == 2 and data["waves"] == 3 else None

    data = None
    for _ in range(200):
        data = await version_2()
        if data:
            break
        await asyncio.sleep(0.02)
    assert data, "the graph of the edited text"
    nodes = {node["id"]: node for node in data["nodes"]}
    assert nodes["e"]["wave"] == 1
    assert ("d", "e") not in {(e["from"], e["to"]) for e in data["edges"]}


async def test_graph_data_refuses_unknown_documents(client: LanguageClient) -> None:
    with pytest.raises(JsonRpcException, match="not an open document"):
        await graph(client, "file:///nowhere/x.workstream.json")
    with pytest.raises(JsonRpcException, match="uri"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="workstream.graphData", arguments=[3])
        )


async def test_a_client_that_shows_runs_gets_run_status_and_graph_statuses(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = make_repo(tmp_path / "repo", DIAMOND)
    uri = open_file(client, path)
    await wait_for(lambda: uri in client.diagnostics)
    messages_before = len(client.messages)
    run_id = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.runWorkstream", arguments=[uri])
    )

    def of_run(status: str) -> Any:
        return next(
            (p for p in client.run_statuses if p.runId == run_id and p.status == status), None
        )

    started = await wait_for(lambda: of_run("started"), 30)
    assert started.uri == uri and started.workstreamId == "ws-graph"
    assert list(started.steps) == ["a", "b", "c", "d", "e"]
    finished = await wait_for(lambda: of_run("failed"), 60)
    counts = finished.counts
    assert (counts.succeeded, counts.failed, counts.skipped) == (2, 1, 2)
    assert finished.durationMs >= 0 and finished.resultBranch is None
    assert finished.message.startswith("Workstream ws-graph: run failed (")
    # Its own progress and summary, not the standard ones: no bar, no summary message.
    assert f"workstream-run-{run_id}" not in client.progress_reports
    assert not [m for m in client.messages[messages_before:] if "ws-graph" in m.message]
    # The graph shows each step's last status.
    await wait_for(lambda: len([s for s in client.step_statuses if s.runId == run_id]) >= 5)
    data = await graph(client, uri)
    assert data["activeRun"] is None
    statuses = {node["id"]: node["status"] for node in data["nodes"]}
    assert statuses == {
        "a": "succeeded",
        "b": "succeeded",
        "c": "failed",
        "d": "skipped",
        "e": "skipped",
    }
    texts = {node["id"]: node["statusText"] for node in data["nodes"]}
    assert texts["c"] and texts["c"].startswith("✗ failed")
