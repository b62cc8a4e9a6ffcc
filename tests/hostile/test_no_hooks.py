"""The empty hooks folder of workstream's own git calls is this user's, never a shared one.

Another local user could make ``$TMPDIR/workstream-no-hooks`` first, with a ``post-commit``
inside: every git call of the executor would run it. The folder is per user (its uid in the
name), made with mode 0700 and checked; one that is not ours, not private or not empty is
not used (``/dev/null`` instead: git then runs no hook).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from workstream.executor import gitops


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    return tmp_path


def test_the_folder_is_private_and_per_user(tmpdir_env: Path) -> None:
    shared = tmpdir_env / "workstream-no-hooks"
    shared.mkdir()
    (shared / "post-commit").write_text("#!/bin/sh\ntouch /tmp/pwned\n")
    used = Path(gitops._no_hooks_dir())
    assert used == tmpdir_env / f"workstream-no-hooks-{os.getuid()}"
    assert used.stat().st_mode & 0o777 == 0o700 and not any(used.iterdir())


@pytest.mark.parametrize("how", ["hooks inside", "group writable", "a link"])
def test_a_planted_folder_is_refused(tmpdir_env: Path, how: str) -> None:
    path = tmpdir_env / f"workstream-no-hooks-{os.getuid()}"
    if how == "a link":
        (tmpdir_env / "elsewhere").mkdir()
        (tmpdir_env / "elsewhere" / "post-commit").write_text("#!/bin/sh\n")
        path.symlink_to(tmpdir_env / "elsewhere")
    else:
        path.mkdir(mode=0o700)
        if how == "hooks inside":
            (path / "post-commit").write_text("#!/bin/sh\ntouch /tmp/pwned\n")
        else:
            path.chmod(0o770)
    assert gitops._no_hooks_dir() == os.devnull
