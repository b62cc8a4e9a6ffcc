"""``workstream.graphData`` for a step with candidates and for groups: each node lists its
candidates (label, and after a run status, score, selection, branch), and ``groups`` the
clusters (step_groups entries and parallel_group numbers), over stdio against the real server.
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

from tests.lsp.conftest import SERVER, initialize_params, open_doc, wait_for
from tests.lsp.test_candidates_lens import WORKSTREAM
from tests.lsp.test_runs import make_repo, open_file, record

pytestmark = pytest.mark.asyncio(loop_scope="module")

GROUPED = """{
  "id": "ws-groups",
  "step_groups": [{"id": "utils", "steps": ["a", "b"], "execute": "sequential", "max_workers": 1}],
  "steps": [
    {"id": "a", "run": "true", "files": []},
    {"id": "b", "run": "true", "files": []},
    {"id": "c", "run": "true", "files": [], "parallel_group": 1},
    {"id": "d", "run": "true", "files": [], "parallel_group": 2,
     "candidates": [{"run": "true"}, {"attempts": 2}]}
  ]
}
"""


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    record(lsp_client)
    await lsp_client.initialize_session(initialize_params("visual-studio-code"))
    yield
    await lsp_client.shutdown_session()


async def graph(client: LanguageClient, uri: str) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.graphData", arguments=[uri])
    )


async def test_groups_are_clusters_and_candidates_are_listed_before_a_run(
    client: LanguageClient,
) -> None:
    uri = open_doc(client, GROUPED, "groups")
    await wait_for(lambda: uri in client.diagnostics)
    data = await graph(client, uri)
    assert data["groups"] == [
        {
            "id": "utils",
            "kind": "step_group",
            "steps": ["a", "b"],
            "execute": "sequential",
            "maxWorkers": 1,
        },
        {
            "id": "parallel_group 1",
            "kind": "parallel_group",
            "steps": ["c"],
            "execute": "parallel",
            "maxWorkers": None,
        },
        {
            "id": "parallel_group 2",
            "kind": "parallel_group",
            "steps": ["d"],
            "execute": "parallel",
            "maxWorkers": None,
        },
    ]
    nodes = {node["id"]: node for node in data["nodes"]}
    assert nodes["a"]["candidates"] == []
    never = {"status": None, "score": None, "selected": False, "branch": None}
    assert nodes["d"]["candidates"] == [
        {"n": 1, "label": "run: true", **never},
        {"n": 2, "label": "as the step, attempt 1 of 2", **never},
        {"n": 3, "label": "as the step, attempt 2 of 2", **never},
    ]


async def test_after_a_run_each_candidate_has_its_status_score_and_branch(
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
    pick: dict[str, Any] = {}
    for _ in range(200):
        nodes = {node["id"]: node for node in (await graph(client, uri))["nodes"]}
        pick = nodes["pick"]
        if pick["status"] is not None:
            break
        await asyncio.sleep(0.05)  # the statuses load in the background: up to 10 s
    assert pick["status"] == "succeeded"
    got = [(c["n"], c["status"], c["score"], c["selected"]) for c in pick["candidates"]]
    assert got == [
        (1, "succeeded", 30, False),
        (2, "succeeded", 0.91, True),
        (3, "succeeded", 50, False),
    ]
    assert [c["branch"] for c in pick["candidates"]] == [
        f"workstream/ws-pick/candidate/pick/{n}" for n in (1, 2, 3)
    ]
    assert pick["candidates"][0]["label"] == "run: echo 30 > out.txt"
