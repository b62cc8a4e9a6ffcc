"""A step that plants links in its worktree's git admin folder (``.git/worktrees/<name>``).

Under the sandbox that folder is writable (the step's own git needs it): a step can replace
its ``index`` with a link to the user's index, and the pool's tidy, which copies its own
index there after the step, wrote the user's index through it. Without the sandbox a step
can replace the whole admin folder with a link to the user's ``.git``: resetting the admin
files (HEAD, commondir, gitdir) then wrote the user's HEAD and broke their repository. The
executor writes nothing through a link there: the index is replaced, a linked admin folder
is unlinked and the worktree dropped. The user's repository is checked at teardown.
"""

from __future__ import annotations

import pytest

from tests.executor.conftest import run, statuses, ws

from .conftest import Guarded

ADMIN = "A=$(git rev-parse --absolute-git-dir); "


def _three(first: str, sandbox: bool) -> dict[str, object]:
    return ws(
        {"id": "a", "files": ["a"], "run": first + "echo a > a"},
        {"id": "b", "depends_on": ["a"], "files": ["b"], "run": "echo b > b; git status -s"},
        {"id": "c", "depends_on": ["b"], "files": ["c"], "run": "echo c > c"},
        sandbox=sandbox,
    )


@pytest.mark.parametrize("what", ["index", "HEAD", "ORIG_HEAD"])
def test_a_link_in_the_admin_folder_is_never_written_through(
    repo: Guarded, sandbox: bool, what: str
) -> None:
    user = repo.root / ".git" / what
    plant = ADMIN + f'rm -f "$A/{what}"; ln -s {user} "$A/{what}"; '
    result, _ = run(repo.workstream(_three(plant, sandbox)))
    # each later step gets a sound worktree (a pooled one is tidied past the link)
    assert statuses(result) == {"a": "succeeded", "b": "succeeded", "c": "succeeded"}


def test_an_admin_folder_replaced_by_a_link_to_the_users_git(repo: Guarded, sandbox: bool) -> None:
    plant = ADMIN + f'cd /; rm -rf "$A"; ln -s {repo.root}/.git "$A"; cd - >/dev/null; '
    result, _ = run(repo.workstream(_three(plant, sandbox)))
    got = statuses(result)
    if sandbox:  # the admin folder is a mount point there: it cannot be replaced
        assert got == {"a": "succeeded", "b": "succeeded", "c": "succeeded"}, got
    else:  # a clear failure: nothing was written through the link
        assert got["a"] == "failed", got
        assert "git admin folder" in result.state.steps["a"].message
    assert (repo.root / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert not (repo.root / ".git" / "commondir").exists()
