"""``clean --branches``, ``clean --id`` and ``clean --list``, on real repositories.

Each guarantee is tried against something that would break it: a branch under the
workstream's prefix the executor did not make, a branch checked out (or being rebased) in a
user's worktree, a step or result branch with the user's own commits on it, reflogs turned
off, a path traversal in ``--id``, folders the executor did not make.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from workstream.cli import main
from workstream.executor.gitops import Git

from .conftest import PYTHON_BIN, Repo, git, run, ws

PREFIX = "workstream/ws-test"


@pytest.fixture(autouse=True)
def _python_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])


def two_steps(repo: Repo, **execution: Any) -> Path:
    return repo.workstream(
        ws(
            {"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]},
            {"id": "b", "run": "printf b > b.txt", "files": ["b.txt"]},
            **execution,
        )
    )


def branches(repo: Repo) -> set[str]:
    out = git(repo.root, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
    return set(out.split())


def clean(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["clean", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def commit_on(repo: Repo, branch: str, where: Path, name: str = "user.txt") -> str:
    """Commit a file of the user's on ``branch`` in a worktree of theirs, then remove it."""
    git(repo.root, "worktree", "add", "-q", str(where), branch)
    (where / name).write_text("the user's own work\n")
    git(where, "add", name)
    git(where, "commit", "-q", "-m", "the user's commit")
    sha = git(where, "rev-parse", "HEAD").strip()
    git(repo.root, "worktree", "remove", str(where))
    return sha


def test_deletes_the_step_and_result_branches_and_nothing_else(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = two_steps(repo)
    git(repo.root, "branch", "feature")
    assert run(path)[0].status == "succeeded"
    result = repo.head(f"{PREFIX}/result")
    assert {f"{PREFIX}/step/a", f"{PREFIX}/step/b", f"{PREFIX}/result"} <= branches(repo)
    code, out, err = clean(capsys, str(path), "--branches")
    assert code == 0, err
    assert branches(repo) == {"main", "feature"}
    assert f"deleted {PREFIX}/result (was {result[:12]}" in out
    assert f"deleted {PREFIX}/step/a" in out and f"deleted {PREFIX}/step/b" in out
    assert clean(capsys, str(path), "--branches")[1].strip() == "nothing to clean"


def test_without_branches_the_branches_stay(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = two_steps(repo)
    run(path)
    assert clean(capsys, str(path))[0] == 0
    assert f"{PREFIX}/result" in branches(repo)


def test_a_branch_the_executor_did_not_make_stays_even_with_force(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = two_steps(repo)
    run(path)
    git(repo.root, "branch", f"{PREFIX}/step/evil")  # the user's, under the executor's prefix
    git(repo.root, "branch", f"{PREFIX}/step/a-copy", f"{PREFIX}/step/a")
    code, _, err = clean(capsys, str(path), "--branches", "--force")
    assert code == 1
    assert f"kept {PREFIX}/step/evil: workstream did not make it" in err
    assert "branch: Created from" in err
    assert branches(repo) == {"main", f"{PREFIX}/step/evil", f"{PREFIX}/step/a-copy"}


def test_a_branch_checked_out_in_a_worktree_stays_even_with_force(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = two_steps(repo)
    run(path)
    review = tmp_path / "review"
    git(repo.root, "worktree", "add", "-q", str(review), f"{PREFIX}/result")
    code, _, err = clean(capsys, str(path), "--branches", "--force")
    assert code == 1
    assert f"kept {PREFIX}/result: checked out in {review}" in err
    assert branches(repo) == {"main", f"{PREFIX}/result"}
    assert git(review, "symbolic-ref", "HEAD").strip() == f"refs/heads/{PREFIX}/result"
    git(repo.root, "worktree", "remove", str(review))


def test_a_branch_being_rebased_stays(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = two_steps(repo)
    run(path)
    work = tmp_path / "rebasing"
    git(repo.root, "worktree", "add", "-q", str(work), "-b", "other", "main")
    (work / "a.txt").write_text("conflicting\n")
    git(work, "add", "a.txt")
    git(work, "commit", "-q", "-m", "conflicts with step a")
    git(work, "checkout", "-q", f"{PREFIX}/step/a")
    rebase = subprocess.run(["git", "rebase", "other"], cwd=work, capture_output=True)
    assert rebase.returncode != 0  # stopped on the conflict: HEAD is detached meanwhile
    code, _, err = clean(capsys, str(path), "--branches", "--force")
    assert code == 1
    assert f"kept {PREFIX}/step/a: being rebased in worktree" in err
    assert f"{PREFIX}/step/a" in branches(repo)
    git(work, "rebase", "--abort")
    git(repo.root, "worktree", "remove", "--force", str(work))
    git(repo.root, "branch", "-D", "other")


def test_a_step_branch_with_the_users_commits_needs_force(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = two_steps(repo)
    run(path)
    sha = commit_on(repo, f"{PREFIX}/step/a", tmp_path / "wt")
    code, out, err = clean(capsys, str(path), "--branches")
    assert code == 1
    assert (
        f"kept {PREFIX}/step/a: 1 commit not in the result nor any other branch; "
        "--force to delete" in err
    )
    assert repo.head(f"{PREFIX}/step/a") == sha
    assert branches(repo) == {"main", f"{PREFIX}/step/a"}
    code, out, err = clean(capsys, str(path), "--branches", "--force")
    assert code == 0 and f"deleted {PREFIX}/step/a (was {sha[:12]}" in out
    assert branches(repo) == {"main"}


@pytest.mark.parametrize("holder", ["branch", "annotated tag"])
def test_commits_another_ref_holds_are_not_lost_by_deleting(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path, holder: str
) -> None:
    path = two_steps(repo)
    run(path)
    sha = commit_on(repo, f"{PREFIX}/step/a", tmp_path / "wt")
    if holder == "branch":
        git(repo.root, "branch", "keeper", sha)  # the user's branch holds the commit
    else:
        git(repo.root, "tag", "-a", "-m", "kept", "keeper", sha)
    assert clean(capsys, str(path), "--branches")[0] == 0
    assert branches(repo) == ({"main", "keeper"} if holder == "branch" else {"main"})


def test_the_result_with_the_users_commits_on_top_needs_force(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = two_steps(repo)
    run(path)
    commit_on(repo, f"{PREFIX}/result", tmp_path / "wt")
    code, _, err = clean(capsys, str(path), "--branches")
    assert code == 1 and f"kept {PREFIX}/result: 1 commit not in the result" in err
    assert branches(repo) == {"main", f"{PREFIX}/result"}  # its steps are in the result


def test_a_failed_step_keeps_its_saved_work_unless_forced(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.workstream(
        ws({"id": "a", "run": "printf a > a.txt; exit 3", "files": ["a.txt"]}),
    )
    assert run(path)[0].status == "failed"
    saved = repo.head(f"{PREFIX}/step/a")
    assert clean(capsys, str(path))[0] == 0  # the kept worktree goes, the branch stays
    code, _, err = clean(capsys, str(path), "--branches")
    assert code == 1 and "1 commit not in the result (there is none)" in err
    assert repo.head(f"{PREFIX}/step/a") == saved
    assert clean(capsys, str(path), "--branches", "--force")[0] == 0
    assert branches(repo) == {"main"}


def test_reflogs_turned_off_by_the_user_still_prove_the_executors_branches(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo.root, "config", "core.logAllRefUpdates", "false")
    path = two_steps(repo)
    run(path)
    git(repo.root, "branch", f"{PREFIX}/step/evil")  # no reflog at all
    code, _, err = clean(capsys, str(path), "--branches")
    assert code == 1 and f"kept {PREFIX}/step/evil: it has no reflog" in err
    assert branches(repo) == {"main", f"{PREFIX}/step/evil"}


def test_other_workstreams_and_saved_branches_stay(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = two_steps(repo)
    other = repo.workstream(
        ws({"id": "x", "run": "printf x > x.txt", "files": ["x.txt"]}, ws_id="ws-test-2"),
        name="other.workstream.json",
    )
    run(path)
    run(other)
    git(
        repo.root,
        "update-ref",
        "-m",
        "workstream: a look-alike",
        f"refs/heads/{PREFIX}/saved/a-1",
        "main",
    )
    assert clean(capsys, str(path), "--branches")[0] == 0
    assert branches(repo) == {
        "main",
        f"{PREFIX}/saved/a-1",
        "workstream/ws-test-2/step/x",
        "workstream/ws-test-2/result",
    }


def test_clean_by_id_once_the_file_is_gone(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = two_steps(repo, worktree_dir="../made/wts")
    run(path, keep_worktrees=True)
    root = tmp_path / "made" / "wts" / "ws-test"
    assert {".workstream-owner", "a", "b"} <= {p.name for p in root.iterdir()}
    path.unlink()
    repo.commit_all("the workstream file is gone")
    monkeypatch.chdir(repo.root)
    code, out, err = clean(capsys, "--id", "ws-test", "--branches")
    assert code == 0, err
    assert f"removed {root / 'a'}" in out and f"removed {root / 'b'}" in out
    assert not (tmp_path / "made").exists()  # ws-test, wts and made: all the executor's
    assert branches(repo) == {"main"}
    assert repo.worktrees() == [str(repo.root)]


def test_folders_the_executor_did_not_make_stay(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "mine").mkdir()  # the user's, empty
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("the user's\n")
    first = two_steps(repo, worktree_dir="../mine/made")
    run(first, keep_worktrees=True)
    assert clean(capsys, str(first))[0] == 0
    assert (tmp_path / "mine").is_dir() and not (tmp_path / "mine" / "made").exists()
    second = repo.workstream(
        ws({"id": "x", "run": "true", "files": []}, ws_id="ws-2", worktree_dir="../full"),
        name="second.workstream.json",
    )
    run(second, keep_worktrees=True)
    code, out, _ = clean(capsys, str(second))
    assert code == 0 and f"removed the empty folder {tmp_path / 'full' / 'ws-2'}" in out
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]


def test_an_emptied_default_folder_goes_too(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = two_steps(repo)
    run(path, keep_worktrees=True)
    default = repo.root / ".git" / "workstream" / "ws-test" / "worktrees"
    assert default.is_dir()
    assert clean(capsys, str(path))[0] == 0
    assert not default.exists()


@pytest.mark.parametrize("bad", ["../x", "..", "a/b", "-x", "x/../../y", "", ".hidden"])
def test_an_id_that_is_not_an_id_is_refused(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.chdir(repo.root)
    (repo.root / ".git" / "x").mkdir()
    code, _, err = clean(capsys, f"--id={bad}", "--branches", "--force")
    assert code == 2
    assert "is not a workstream id" in err or "needs a workstream" in err
    assert (repo.root / ".git" / "x").is_dir()
    (repo.root / ".git" / "x").rmdir()


def test_an_unknown_id_says_so(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    code, _, err = clean(capsys, "--id", "ws-nope")
    assert code == 2 and "holds no workstream 'ws-nope'" in err and "clean --list" in err


def test_list_names_what_the_repository_holds(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    assert clean(capsys, "--list")[1].startswith("this repository holds no workstream")
    path = two_steps(repo)
    run(path, keep_worktrees=True)
    failing = repo.workstream(
        ws({"id": "f", "run": "exit 1", "files": []}, ws_id="ws-fail"), name="f.workstream.json"
    )
    run(failing)
    failing.unlink()
    repo.commit_all("gone")
    git(repo.root, "branch", "workstream/ws-user/step/x")  # not the executor's: not listed
    code, out, _ = clean(capsys, "--list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].startswith("ws-fail  last run 2") and ": failed  " in lines[0]
    assert "1 worktree  0 branches" in lines[0] and lines[0].endswith("(gone)")
    assert lines[1].startswith("ws-test  last run 2") and ": succeeded  " in lines[1]
    assert lines[1].endswith("2 worktrees  3 branches  plan.workstream.json")


def test_list_takes_nothing_else(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = clean(capsys, "--list", "--branches")
    assert code == 2 and "takes no" in err


def test_clean_by_id_with_only_branches_left_adds_no_folder(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = two_steps(repo)
    run(path)
    state = repo.root / ".git" / "workstream" / "ws-test"
    shutil.rmtree(state)  # the state is gone, the branches are not
    monkeypatch.chdir(repo.root)
    code, _, err = clean(capsys, "--id", "ws-test", "--branches")
    assert code == 0, err
    assert branches(repo) == {"main"}
    assert not state.exists()


def test_clean_leaves_no_empty_scratch_folder(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = two_steps(repo)
    run(path, keep_worktrees=True)
    assert clean(capsys, str(path))[0] == 0
    scratch = repo.root / ".git" / "workstream" / "ws-test" / "scratch"
    empty = [p for p in scratch.rglob("*") if p.is_dir() and not any(p.iterdir())]
    assert empty == [] and (not scratch.exists() or any(scratch.iterdir()))


def test_a_branch_that_moves_while_clean_looks_stays(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deletion names the value clean inspected: git refuses once the branch moved."""
    from workstream.executor import branches as module

    path = two_steps(repo)
    run(path)
    inspect = module.made_by_executor
    moved_to = repo.head("main")

    def racing(repo_git: Git, ref: str) -> tuple[bool, str]:
        answer = inspect(repo_git, ref)
        if ref.endswith("/step/a"):  # someone points it elsewhere meanwhile
            git(repo.root, "update-ref", ref, moved_to)
        return answer

    monkeypatch.setattr(module, "made_by_executor", racing)
    code, _, err = clean(capsys, str(path), "--branches")
    assert code == 1 and f"kept {PREFIX}/step/a: git did not delete it" in err
    assert repo.head(f"{PREFIX}/step/a") == moved_to
    assert branches(repo) == {"main", f"{PREFIX}/step/a"}
