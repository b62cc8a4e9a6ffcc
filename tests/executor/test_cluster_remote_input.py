"""A cluster run's ``--remote`` never reaches git as an option: a remote (or a remote's URL)
that starts with ``-`` is refused with a clear message before anything is pushed (before,
``--remote=--receive-pack=touch x:y`` became ``git push … --receive-pack=…``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstream.executor.cluster_refs import resolve_remote
from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git

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
