"""``workstream.runsData`` and ``workstream.mergeResult`` (the runs view) over stdio against
the real server, after a real run in a real git repository."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, initialize_params, wait_for
from tests.lsp.test_runs import make_repo, open_file, record

pytestmark = pytest.mark.asyncio(loop_scope="module")

TWO = """{
  "id": "ws-view",
  "steps": [
    {"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]},
    {"id": "b", "run": "printf b > b.txt", "depends_on": ["a"], "files": ["b.txt"]}
  ]
}
"""


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    record(lsp_client)
    lsp_client.run_statuses = []
    lsp_client.feature("workstream/runStatus")(lambda p: lsp_client.run_statuses.append(p))
    options = {"clientShowsRuns": True}
    await lsp_client.initialize_session(initialize_params("visual-studio-code", **options))
    yield
    await lsp_client.shutdown_session()


async def command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


async def test_runs_data_then_merge_from_the_editor(client: LanguageClient, tmp_path: Path):
    path = make_repo(tmp_path / "repo", TWO)
    root = path.parent
    uri = open_file(client, path)
    before = await command(client, "workstream.runsData", uri)
    assert before["error"] is None and before["run"] is None
    assert [s["id"] for s in before["steps"]] == ["a", "b"]
    run_id = await command(client, "workstream.runWorkstream", uri)
    await wait_for(
        lambda: any(p.runId == run_id and p.status == "succeeded" for p in client.run_statuses),
        60,
    )
    data = await command(client, "workstream.runsData", uri)
    steps = {s["id"]: s for s in data["steps"]}
    assert steps["a"]["status"] == "succeeded" and steps["b"]["status"] == "succeeded"
    assert steps["b"]["startCommit"] == steps["a"]["commit"]
    assert data["run"]["resultCommit"] and data["run"]["baseCommit"] == git(
        root, "rev-parse", "HEAD"
    )

    # A dirty tree: refused with a short message, nothing changed.
    (root / "plan.workstream.json").write_text(TWO + "\n", encoding="utf-8")
    head = git(root, "rev-parse", "HEAD")
    with pytest.raises(JsonRpcException, match="uncommitted changes"):
        await command(client, "workstream.mergeResult", uri, False)
    assert git(root, "rev-parse", "HEAD") == head and not (root / "a.txt").exists()
    (root / "plan.workstream.json").write_text(TWO, encoding="utf-8")

    plan = await command(client, "workstream.mergeResult", uri, True)
    assert plan["branch"] == "main" and plan["mergedCommit"] is None
    assert {f["path"] for f in plan["files"]} == {"a.txt", "b.txt"}
    assert git(root, "rev-parse", "HEAD") == head
    done = await command(client, "workstream.mergeResult", uri, False)
    assert done["mergedCommit"] == git(root, "rev-parse", "HEAD")
    assert git(root, "rev-parse", "HEAD^2") == data["run"]["resultCommit"]
    assert (root / "b.txt").read_text() == "b"


async def test_bad_arguments_are_clean_errors(client: LanguageClient, tmp_path: Path):
    with pytest.raises(JsonRpcException, match="not a file in the workspace"):
        await command(client, "workstream.runsData", (tmp_path / "x.json").as_uri())
    with pytest.raises(JsonRpcException, match="dryRun"):
        await command(client, "workstream.mergeResult", "file:///x.json", "yes")


PICK = """{
  "id": "ws-pick-view",
  "steps": [
    {
      "id": "pick",
      "files": ["out.txt"],
      "acceptance_tests": ["grep -qv bad out.txt"],
      "candidates": [
        {"run": "echo 30 > out.txt"},
        {"run": "echo bad > out.txt"},
        {"run": "echo 10 > out.txt"}
      ],
      "select": {"score": "cat out.txt", "better": "lower"}
    },
    {"id": "plain", "run": "true", "files": []}
  ]
}
"""


async def test_runs_data_lists_each_candidate(client: LanguageClient, tmp_path: Path) -> None:
    path = make_repo(tmp_path / "repo", PICK)
    uri = open_file(client, path)
    before = await command(client, "workstream.runsData", uri)
    rows = {s["id"]: s["candidates"] for s in before["steps"]}
    assert rows["plain"] == []
    assert [(c["n"], c["label"], c["status"]) for c in rows["pick"]] == [
        (1, "run: echo 30 > out.txt", None),
        (2, "run: echo bad > out.txt", None),
        (3, "run: echo 10 > out.txt", None),
    ]
    run_id = await command(client, "workstream.runWorkstream", uri)
    await wait_for(
        lambda: any(
            p.runId == run_id and p.status in ("succeeded", "failed") for p in client.run_statuses
        ),
        120,
    )
    data = await command(client, "workstream.runsData", uri)
    step = next(s for s in data["steps"] if s["id"] == "pick")
    rows = {c["n"]: c for c in step["candidates"]}
    assert [(rows[n]["status"], rows[n]["score"], rows[n]["selected"]) for n in (1, 2, 3)] == [
        ("succeeded", 30, False),
        ("failed", None, False),
        ("succeeded", 10, True),
    ]
    root = path.parent
    for n in (1, 2, 3):
        branch = f"workstream/ws-pick-view/candidate/pick/{n}"
        assert rows[n]["branch"] == branch
        assert rows[n]["startCommit"] == step["startCommit"]
        assert rows[n]["log"] and Path(rows[n]["log"]).name == f"pick@{n}.log"
        assert Path(rows[n]["log"]).is_file()
        kept = rows[n]["commit"] or rows[n]["savedCommit"]
        assert kept == git(root, "rev-parse", branch)
    assert rows[3]["commit"] == step["commit"]
    assert rows[2]["commit"] is None and rows[2]["savedCommit"]
    assert rows[2]["worktree"] and Path(rows[2]["worktree"]).is_dir()  # a failure keeps it
    assert rows[1]["worktree"] is None and rows[3]["worktree"] is None
    assert "grep -qv bad out.txt" in rows[2]["message"]
