"""``workstream status`` after a cluster run names the cluster and the git remote (text, and
JSON fields ``cluster`` and ``remote`` added to the object, which keeps every older key);
after a local run both are null and the text has no such line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workstream.cli import main

from .conftest import PYTHON_BIN, Repo, git, run, ws

#: The keys ``status --format json`` printed before cluster runs existed: all still there.
OLDER_KEYS = {
    "run_id",
    "workstream_id",
    "status",
    "message",
    "workstream_file",
    "started_at",
    "finished_at",
    "requested",
    "base_commit",
    "result_branch",
    "result_commit",
    "result_note",
    "steps",
}


@pytest.fixture(autouse=True)
def _worker_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("WORKSTREAM_WORKER_DIR", str(tmp_path / "worker"))


def status(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str]:
    code = main(["status", str(path), *args])
    return code, capsys.readouterr().out


def one_step(repo: Repo) -> Path:
    return repo.workstream(ws({"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]}))


def test_status_names_the_cluster_and_the_remote_of_a_cluster_run(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    path = one_step(repo)
    result, _ = run(path, cluster="local:2", remote=str(remote))
    assert result.status == "succeeded", result.state.message
    code, out = status(capsys, path)
    assert code == 0
    assert f"ran on the Dask cluster local:2, through the git remote {remote}" in out
    code, out = status(capsys, path, "--format", "json")
    data = json.loads(out)
    assert set(data) >= OLDER_KEYS
    assert data["cluster"] == "local:2" and data["remote"] == str(remote)
    assert data["steps"]["a"]["status"] == "succeeded"


def test_a_local_run_has_no_cluster(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = one_step(repo)
    assert run(path)[0].status == "succeeded"
    code, out = status(capsys, path)
    assert code == 0 and "cluster" not in out
    data = json.loads(status(capsys, path, "--format", "json")[1])
    assert set(data) >= OLDER_KEYS
    assert data["cluster"] is None and data["remote"] is None
