"""``execution.copy`` entries that are, or pass through, symbolic links in the user's tree.

Each passes ``workstream check`` (it reads no disk); ``run`` fails the step when it copies,
before the step's command, and nothing is copied: a link to a credential below HOME, to
``/etc``, to the repository's own ``.git``, a linked parent folder. A folder copied whole
leaves its links out. Sandbox on and off; the user's repository is checked at teardown.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.executor.conftest import run, ws
from workstream.analysis import analyze

from .conftest import Guarded

#: entry -> (what to make in the repository, where it leads: a file of ``outside`` or a path)
LINKS: dict[str, tuple[str, str, str]] = {
    "home-key": (".env.local", ".env.local", "{outside}/id_rsa"),
    "etc": ("cfg/hostname", "cfg", "/etc"),
    "own-git": ("gl/config", "gl", ".git"),
    "linked-parent": ("conf/s.txt", "conf", "{outside}"),
}


@pytest.mark.parametrize("case", LINKS)
def test_a_copy_entry_through_a_link_fails_the_step(
    repo: Guarded, sandbox: bool, tmp_path: Path, case: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "id_rsa").write_text("PRIVATE KEY\n")
    (outside / "s.txt").write_text("outside secret\n")
    entry, link, target = LINKS[case]
    doc = ws(
        {"id": "a", "files": ["a"], "run": "cat * .env* 2>/dev/null; echo a > a"},
        sandbox=sandbox,
        copy=[entry],
    )
    path = repo.workstream(doc)
    os.symlink(target.format(outside=outside), repo.root / link)  # untracked, made after
    repo.expected = repo.snapshot()
    assert not analyze(path.read_text()).errors  # check passes: it reads no disk
    result, _ = run(path)
    step = result.state.steps["a"]
    assert step.status == "failed", step.message
    assert "outside" in step.message, step.message
    assert step.commit is None


def test_links_inside_a_copied_folder_are_left_out(
    repo: Guarded, sandbox: bool, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "id_rsa").write_text("PRIVATE KEY\n")
    check = "test -f d/ok.env && test ! -e d/keys && test ! -e d/key.env && echo a > a"
    path = repo.workstream(
        ws({"id": "a", "files": ["a"], "run": check}, sandbox=sandbox, copy=["d"])
    )
    (repo.root / "d").mkdir()  # untracked: made after the workstream file's commit
    (repo.root / "d" / "ok.env").write_text("fine\n")
    (repo.root / "d" / "keys").symlink_to(keys)
    (repo.root / "d" / "key.env").symlink_to(keys / "id_rsa")
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert result.state.steps["a"].status == "succeeded", result.state.steps["a"].message
