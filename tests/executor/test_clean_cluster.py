"""``workstream clean`` after a cluster run: the refs a killed runner left on the git remote
go (all of ``refs/workstream/<id>/``, nothing else there), so does the relay repository of a
``local:N`` run, and an unreachable remote is a one-line warning while the rest is cleaned.

Each test makes one real run on a ``LocalCluster`` of two worker processes (about 2 s), then
plants by hand what a runner killed mid-run leaves (its refs on the remote, its relay); one
kills a real runner (SIGKILL) while its step runs on a worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workstream.cli import main
from workstream.executor.cluster_refs import make_relay, relay_path
from workstream.executor.gitops import Git

from .conftest import PYTHON_BIN, Repo, git, run, ws

WS = "ws-test"
#: Refs of runs of this workstream, as a killed runner leaves them (two runs).
LEFT = (
    f"refs/workstream/{WS}/20990101-000000-dead/a.1/start",
    f"refs/workstream/{WS}/20990101-000000-dead/a.1/result",
    f"refs/workstream/{WS}/20990102-000000-beef/b.3/saved",
)
#: Refs on the same remote that are not this workstream's runs': they stay.
OTHERS = (
    "refs/heads/main",
    "refs/tags/v1",
    f"refs/workstream/{WS}-2/20990101-000000-dead/a.1/start",  # a workstream named alike
    f"refs/workstream/{WS}/20990103-000000-f00d/a.1/start",  # a run from another clone
    "refs/workstream/other/20990101-000000-dead/a.1/start",
    f"refs/workstreams/{WS}/x",
)


@pytest.fixture(autouse=True)
def _worker_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("WORKSTREAM_WORKER_DIR", str(tmp_path / "worker"))


def cluster_run(repo: Repo, remote: Path | None) -> Path:
    """A succeeded run of two steps on ``local:2`` (through ``remote``, else the relay)."""
    path = repo.workstream(
        ws(
            {"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]},
            {"id": "b", "run": "printf b > b.txt", "files": ["b.txt"], "depends_on": ["a"]},
        )
    )
    options = {"remote": str(remote)} if remote is not None else {}
    result, _ = run(path, cluster="local:2", **options)
    assert result.status == "succeeded", result.state.message
    assert result.state.cluster == "local:2"
    return path


def bare(tmp_path: Path, repo: Repo) -> Path:
    """A bare remote holding the user's main."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo.root, "push", "-q", str(remote), "main:refs/heads/main")
    return remote


def refs(remote: Path) -> set[str]:
    return set(git(remote, "for-each-ref", "--format=%(refname)").split())


def clean(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["clean", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_clean_deletes_the_refs_cluster_runs_left_on_the_remote_and_nothing_else(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = bare(tmp_path, repo)
    path = cluster_run(repo, remote)
    assert refs(remote) == {"refs/heads/main"}  # the run deleted its own refs at its end
    commit, theirs = repo.head(), git(remote, "rev-parse", "main").strip()
    for ref in (*LEFT, *OTHERS[1:]):
        git(remote, "update-ref", ref, commit)
    logs = repo.root / ".git" / "workstream" / WS / "logs"
    for run_id in ("20990101-000000-dead", "20990102-000000-beef"):  # runs made here
        (logs / run_id).mkdir(parents=True, exist_ok=True)
    code, out, err = clean(capsys, str(path))
    assert code == 0, err
    assert f"deleted 3 refs a cluster run left on {remote}" in out
    assert refs(remote) == set(OTHERS)
    assert repo.head("main") == commit  # the user's branch, here and there, untouched
    assert git(remote, "rev-parse", "main").strip() == theirs
    code, out, err = clean(capsys, str(path))
    assert code == 0 and "refs" not in out, (out, err)


def test_an_unreachable_remote_is_a_warning_and_the_rest_is_cleaned(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = bare(tmp_path, repo)
    path = cluster_run(repo, remote)
    remote.rename(tmp_path / "moved.git")
    code, out, err = clean(capsys, str(path), "--branches")
    assert code == 1
    warnings = [line for line in err.splitlines() if line]
    assert len(warnings) == 1, err
    assert warnings[0].startswith(
        f"warning: could not delete the refs under refs/workstream/{WS}/ on {remote}: "
    )
    assert "does not appear to be a git repository" in warnings[0]
    assert "Traceback" not in err
    assert f"deleted workstream/{WS}/result" in out  # the rest was done
    assert not repo.branch_exists(f"workstream/{WS}/result")
    assert not repo.branch_exists(f"workstream/{WS}/step/a")


def test_clean_removes_a_relay_a_killed_local_cluster_run_left(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cluster_run(repo, None)
    state_root = repo.root / ".git" / "workstream" / WS
    relay = relay_path(state_root)
    assert not relay.exists()  # the run removed its relay at its end
    made = make_relay(Git(repo.root / ".git"), relay)  # as a killed runner leaves it
    assert made == str(relay)
    git(relay, "update-ref", LEFT[0], repo.head())
    objects = set(git(repo.root, "rev-list", "--all", "--objects").split())
    code, out, err = clean(capsys, str(path))
    assert code == 0, err
    assert "removed the relay repository" in out and "relay.git" in out
    assert "deleted 1 ref a cluster run left on" in out
    assert not relay.exists()
    # The relay borrowed the user's objects: they are all still here.
    assert set(git(repo.root, "rev-list", "--all", "--objects").split()) == objects
    git(repo.root, "fsck", "--no-dangling")
    code, out, err = clean(capsys, str(path))
    assert code == 0 and "relay" not in out and not err, (out, err)


def test_a_remote_in_the_state_that_git_would_take_for_an_option_is_left_alone(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.workstream(ws({"id": "a", "run": "true", "files": []}))
    assert run(path)[0].status == "succeeded"  # a local run, then a state that lies
    state_file = repo.root / ".git" / "workstream" / WS / "state.json"
    state = json.loads(state_file.read_text())
    state.update(cluster="local:2", remote=f"--upload-pack=touch {tmp_path}/pwned:x")
    state_file.write_text(json.dumps(state))
    code, out, err = clean(capsys, str(path))
    assert code == 1 and "not a URL: left alone" in err, (out, err)
    assert not (tmp_path / "pwned").exists()


def killed_cluster_run(repo: Repo, remote: Path) -> Path:
    """A cluster run whose runner is SIGKILLed while its step sleeps on a worker."""
    path = repo.workstream(ws({"id": "nap", "run": "sleep 60", "files": []}))
    command = ["run", str(path), "--cluster", "local:2", "--remote", str(remote)]
    runner = subprocess.Popen(
        [sys.executable, "-m", "workstream", *command, "--progress", "plain"],
        cwd=repo.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not any(r.endswith("/nap.1/start") for r in refs(remote)):
            assert runner.poll() is None and time.monotonic() < deadline, "the step never started"
            time.sleep(0.2)
        runner.send_signal(signal.SIGKILL)
        runner.wait(30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(runner.pid, signal.SIGKILL)  # its workers and the step, if any is left
        runner.wait(30)
    return path


def test_clean_after_a_cluster_runner_killed_mid_step(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = bare(tmp_path, repo)
    path = killed_cluster_run(repo, remote)
    left = {r for r in refs(remote) if r.startswith(f"refs/workstream/{WS}/")}
    assert left  # what clean is for
    code, out, err = clean(capsys, str(path))
    assert code == 0, (out, err)
    assert f"deleted {len(left)} ref{'s' * (len(left) != 1)} a cluster run left on" in out
    assert refs(remote) == {"refs/heads/main"}


def test_a_local_run_after_a_killed_cluster_run_deletes_its_refs(
    repo: Repo, tmp_path: Path
) -> None:
    """The next run's state names no remote of the killed run, so clean could not find its
    refs: the next run deletes them as it recovers the killed run."""
    remote = bare(tmp_path, repo)
    path = killed_cluster_run(repo, remote)
    assert any(r.startswith(f"refs/workstream/{WS}/") for r in refs(remote))
    result, _ = run(path)  # on this machine
    assert result.status == "succeeded", result.state.message
    assert refs(remote) == {"refs/heads/main"}
