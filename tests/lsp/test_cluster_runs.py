"""Runs from the editor on a Dask cluster, chosen by the server's settings (the file says
nothing of a cluster): the ``cluster`` initialization option, and ``cluster`` / ``remote`` in
the ``workstream`` section of ``workspace/didChangeConfiguration``.

Each test starts a real server over stdio whose runs start a real ``LocalCluster`` of two
worker processes (about 2 s); the workers keep their clones under the test's folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, initialize_params, wait_for
from tests.lsp.test_runs import make_repo, open_file, record, run_branches

pytestmark = pytest.mark.asyncio(loop_scope="function")

TWO = """{
  "id": "ws-cluster",
  "steps": [
    {"id": "a", "run": "printf \\"$WORKSTREAM_WORKER\\" > a.txt", "files": ["a.txt"]},
    {"id": "b", "run": "cat a.txt > b.txt", "depends_on": ["a"], "files": ["b.txt"]}
  ]
}
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


@contextlib.asynccontextmanager
async def started(tmp_path: Path) -> AsyncIterator[LanguageClient]:
    """A server whose cluster workers keep their clones in ``tmp_path / "worker"``; shut
    down at the end, whatever happened (a failed assertion must not leave it running)."""
    env = {**os.environ, "WORKSTREAM_WORKER_DIR": str(tmp_path / "worker")}
    config = ClientServerConfig(server_command=SERVER, server_env=env)
    client = record(await config.start())
    try:
        yield client
    finally:
        try:
            await asyncio.wait_for(client.shutdown_session(), 30)
        finally:
            await client.stop()


async def run_to_the_end(client: LanguageClient, uri: str) -> str:
    """Run the workstream of ``uri``; its run id once its progress has ended."""
    run_id = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="workstream.runWorkstream", arguments=[uri])
    )
    assert isinstance(run_id, str) and run_id
    token = f"workstream-run-{run_id}"
    reports = await wait_for(
        lambda: (
            (r := client.progress_reports.get(token))
            and isinstance(r[-1], types.WorkDoneProgressEnd)
            and r
        ),
        timeout=120,
    )
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    messages = [r.message for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert any(m and "/2 done" in m for m in messages)
    assert any(m and "running:" in m for m in messages)
    return run_id


def finals(client: LanguageClient, run_id: str) -> dict[str, types.LSPAny]:
    return {
        s.stepId: s
        for s in client.step_statuses
        if s.runId == run_id and s.status not in ("queued", "running")
    }


async def test_the_cluster_initialization_option_runs_the_steps_on_workers(tmp_path: Path):
    path = make_repo(tmp_path / "repo", TWO)
    root = path.parent
    async with started(tmp_path) as client:
        params = initialize_params("neovim", root=root, cluster="local:2")
        await client.initialize_session(params)
        uri = open_file(client, path)
        run_id = await run_to_the_end(client, uri)
        ended = finals(client, run_id)
        assert {k: v.status for k, v in ended.items()} == {"a": "succeeded", "b": "succeeded"}
        # The summary says where the steps ran (the run's warning, as the command line's).
        await wait_for(lambda: any("local:2" in m.message for m in client.messages))
        # Each step's log names the worker that ran it; the worker's name reached the step.
        for step_id in ("a", "b"):
            log = Path(ended[step_id].logPath).read_text(encoding="utf-8")
            assert "on worker " in log, log
        assert "workstream/ws-cluster/result" in run_branches(path)
        worker = git(root, "show", "workstream/ws-cluster/result:a.txt")
        assert worker and git(root, "show", "workstream/ws-cluster/result:b.txt") == worker
        assert f"on worker {worker} " in Path(ended["a"].logPath).read_text(encoding="utf-8")
        # Nothing landed in the checkout, no run ref stayed, the relay went with the run.
        assert git(root, "status", "--porcelain") == ""
        assert git(root, "for-each-ref", "refs/workstream/") == ""
        assert not (root / ".git" / "workstream" / "ws-cluster" / "relay.git").exists()


async def test_settings_sent_later_choose_the_cluster_and_the_remote(tmp_path: Path):
    path = make_repo(tmp_path / "repo", TWO)
    root = path.parent
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    async with started(tmp_path) as client:
        await client.initialize_session(initialize_params("visual-studio-code", root=root))
        uri = open_file(client, path)
        bad = {"workstream": {"cluster": "nowhere", "remote": str(remote)}}
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(bad))
        await wait_for(
            lambda: any(
                "'cluster': a cluster is a Dask scheduler's address" in m.message
                for m in client.log_messages
            )
        )
        good = {"workstream": {"cluster": "local:2", "remote": str(remote)}}
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(good))
        await wait_for(lambda: any("go to local:2" in m.message for m in client.log_messages))
        run_id = await run_to_the_end(client, uri)
        ended = finals(client, run_id)
        assert {k: v.status for k, v in ended.items()} == {"a": "succeeded", "b": "succeeded"}
        assert "on worker " in Path(ended["b"].logPath).read_text(encoding="utf-8")
        assert "workstream/ws-cluster/result" in run_branches(path)
        # The run went through the remote given, and deleted its refs there at its end.
        await wait_for(lambda: any(str(remote) in m.message for m in client.messages))
        assert git(remote, "for-each-ref") == ""
        assert git(root, "remote") == ""  # the setting added no remote to the repository
