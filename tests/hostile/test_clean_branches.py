"""``clean --branches`` and ``clean --id`` against a repository full of look-alikes.

The user's own branches under names the executor uses, a branch checked out in the user's
worktree, workstream ids that lead out of the state folder: every one survives exactly as it
was (the Guarded snapshot covers HEAD, index, files, config, hooks and every non-workstream
branch; the workstream-named ones are compared here by hand).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import git, run, ws

from .conftest import Guarded


def workstream(repo: Guarded, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workstream", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
    )


def refs(repo: Guarded) -> dict[str, str]:
    out = git(repo.root, "for-each-ref", "--format=%(refname:short) %(objectname)")
    return dict(line.split(" ", 1) for line in out.splitlines())


def test_the_users_look_alike_branches_survive_clean_branches_force(
    repo: Guarded, tmp_path: Path
) -> None:
    path = repo.workstream(ws({"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]}))
    repo.expected = repo.snapshot()
    assert run(path)[0].status == "succeeded"
    lookalikes = [
        "workstream/ws-test/step/evil",  # under the prefix, made by hand
        "workstream/ws-test/results",  # not the result branch
        "workstream/ws-test-2/step/a",  # another id sharing the prefix
        "workstream/ws-test/saved/a-1",
    ]
    for name in lookalikes:
        git(repo.root, "branch", name)
    review = tmp_path / "review"
    git(repo.root, "worktree", "add", "-q", str(review), "workstream/ws-test/step/a")
    before = refs(repo)
    done = workstream(repo, "clean", str(path), "--branches", "--force")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"kept workstream/ws-test/step/a: checked out in {review}" in done.stderr
    assert "kept workstream/ws-test/step/evil: workstream did not make it" in done.stderr
    after = refs(repo)
    assert {k: v for k, v in before.items() if k != "workstream/ws-test/result"} == after
    git(repo.root, "worktree", "remove", str(review))
    for name in lookalikes:
        git(repo.root, "branch", "-D", name)
    git(repo.root, "branch", "-D", "workstream/ws-test/step/a")


@pytest.mark.parametrize("bad", ["../../src", "../..", "..", "a/b", "-rf", "x\n"])
def test_an_id_that_leads_out_of_the_state_folder_touches_nothing(repo: Guarded, bad: str) -> None:
    done = workstream(repo, "clean", f"--id={bad}", "--branches", "--force")
    assert done.returncode == 2 and "is not a workstream id" in done.stderr
    assert sorted(p.name for p in (repo.root / "src").iterdir()) == ["lib.py"]


def test_a_file_whose_id_leads_into_the_working_tree_is_refused_by_clean(repo: Guarded) -> None:
    """``check`` reports the id (WS301); ``clean`` must not take the lock inside ``src``."""
    path = repo.write("w.workstream.json", json.dumps(ws({"id": "a", "run": "true"})))
    path.write_text(json.dumps(ws({"id": "a", "run": "true"}, ws_id="../../src")))
    repo.commit_all("a hostile workstream file")
    done = workstream(repo, "clean", str(path), "--branches")
    assert done.returncode == 2 and "is not a workstream id" in done.stderr
    assert sorted(p.name for p in (repo.root / "src").iterdir()) == ["lib.py"]
