"""A cluster run's ``--remote`` never reaches git as an option: a remote (or a remote's URL)
that starts with ``-`` is refused with a clear message before anything is pushed (before,
``--remote=--receive-pack=touch x:y`` became ``git push … --receive-pack=…``). A remote git
cannot use is named with git's own reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstream.executor.cluster_refs import delete_remote, push, resolve_remote
from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError

from .conftest import Repo, git


@pytest.mark.parametrize("remote", ["--receive-pack=touch pwned:x", "-x"])
def test_a_remote_that_starts_with_a_dash_is_refused(
    repo: Repo, tmp_path: Path, remote: str
) -> None:
    with pytest.raises(ExecutorError, match="starts with '-'"):
        resolve_remote(Git(repo.root / ".git", repo.root), remote, tmp_path / "state", False)
    assert not (repo.root / "pwned").exists() and not (tmp_path / "state").exists()


def test_a_configured_remote_whose_url_starts_with_a_dash_is_refused(
    repo: Repo, tmp_path: Path
) -> None:
    git(repo.root, "config", "remote.origin.url", "--upload-pack=touch pwned:x")
    with pytest.raises(ExecutorError, match="URL of the remote 'origin' starts with '-'"):
        resolve_remote(Git(repo.root / ".git", repo.root), None, tmp_path / "state", True)
    git(repo.root, "config", "--remove-section", "remote.origin")


def test_a_remote_git_cannot_use_is_named_with_gits_reason(repo: Repo, tmp_path: Path) -> None:
    missing = tmp_path / "missing.git"
    user = Git(repo.root / ".git", repo.root)
    with pytest.raises(GitError) as push_error:
        push(user, str(missing), [(repo.head(), "refs/workstream/ws/r/a.1/start")])
    with pytest.raises(GitError) as delete_error:
        delete_remote(user, str(missing), "refs/workstream/ws/")
    for error, command in ((push_error, "push"), (delete_error, "ls-remote")):
        message = str(error.value)
        assert message.startswith(f"git {command} failed in "), message
        assert f"'{missing}' does not appear to be a git repository" in message
        assert "-c" not in message.split(" failed in ")[0]
