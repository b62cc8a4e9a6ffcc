"""Damage around the repository, found from ``$(dirname $GIT_ALTERNATE_OBJECT_DIRECTORIES)``.

Each case writes one place the tripwire must watch: an ignored file of the user's tree, the
user's other linked worktree, ``shallow``, ``objects/info/alternates``, ``logs/``, the global
and XDG git config, ``info/attributes``. With the sandbox the write fails and the step
succeeds with nothing changed; without it the tripwire fails the step and names the place.
The test then tidies for the user (the fixture checks the repository is as recorded).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.executor.conftest import git, run, ws
from workstream.executor import watchlist

from .conftest import Guarded

G = 'G=$(dirname "$GIT_ALTERNATE_OBJECT_DIRECTORIES"); '


def _attack(repo: Guarded, sandbox: bool, script: str, **env: str) -> str | None:
    """Run ``script`` as a step; the tripwire's message without the sandbox, else None."""
    path = repo.workstream(ws({"id": "evil", "run": G + script + "; true"}, sandbox=sandbox))
    repo.expected = repo.snapshot()
    result, _ = run(path, env=env)
    entry = result.state.steps["evil"]
    if sandbox:
        assert entry.status == "succeeded", entry.message
        return None
    assert entry.status == "failed" and entry.reason == "tripwire", entry.message
    return entry.message or ""


def test_an_appended_line_in_an_ignored_env_file(repo: Guarded, sandbox: bool) -> None:
    repo.write(".gitignore", "__pycache__/\n.env\n")
    repo.commit_all("ignore .env")
    env_file = repo.write(".env", "TOKEN=mine\n")
    message = _attack(repo, sandbox, 'echo "STOLEN=1" >> "$G/../.env"')
    if message is not None:
        assert "working tree (ignored): .env changed (size 11 -> 20)" in message
        env_file.write_text("TOKEN=mine\n")


def test_the_users_other_linked_worktree(repo: Guarded, tmp_path: Path, sandbox: bool) -> None:
    other = tmp_path / "other"
    git(repo.root, "worktree", "add", "-q", str(other), "-b", "other")
    head = (repo.root / ".git/worktrees/other/HEAD").read_text()
    script = (
        'W=$(dirname "$(cat "$G/worktrees/other/gitdir")"); '
        'printf pwned > "$W/src/lib.py"; echo garbage > "$G/worktrees/other/HEAD"'
    )
    message = _attack(repo, sandbox, script)
    if message is not None:
        assert f"linked worktree {other} admin HEAD changed" in message
        (repo.root / ".git/worktrees/other/HEAD").write_text(head)
    assert (other / "src/lib.py").read_text() == ("VALUE = 1\n" if sandbox else "pwned")
    git(other, "checkout", "--", "src/lib.py")


def test_the_linked_worktrees_tracked_file_alone(repo: Guarded, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(repo.root, "worktree", "add", "-q", str(other), "-b", "other")
    script = 'W=$(dirname "$(cat "$G/worktrees/other/gitdir")"); echo x >> "$W/docs/guide.md"'
    message = _attack(repo, False, script)
    assert f"linked worktree {other}: docs/guide.md added" in (message or "")
    git(other, "checkout", "--", "docs/guide.md")


@pytest.mark.parametrize(
    ("script", "expected", "tidy"),
    [
        ('git rev-parse HEAD > "$G/shallow"', ".git/shallow added: ", "shallow"),
        (
            'echo /tmp/ws-evil/objects > "$G/objects/info/alternates"',
            ".git/objects/info/alternates added: /tmp/ws-evil/objects",
            "objects/info/alternates",
        ),
        ('rm -rf "$G/logs"', ".git/logs/HEAD removed", None),
        ('echo "* filter=evil" >> "$G/info/attributes"', "info/attributes", "info/attributes"),
        ('echo "src/" >> "$G/info/exclude"', ".git/info/exclude changed", None),
    ],
    ids=["shallow", "alternates", "logs", "attributes", "exclude"],
)
def test_git_files_that_change_what_git_reads(
    repo: Guarded, sandbox: bool, script: str, expected: str, tidy: str | None
) -> None:
    exclude = repo.root / ".git/info/exclude"
    kept = exclude.read_bytes() if exclude.exists() else None
    message = _attack(repo, sandbox, script)
    if message is not None:
        assert expected in message, message
    if tidy is not None:
        (repo.root / ".git" / tidy).unlink(missing_ok=True)
    if kept is not None:
        exclude.write_bytes(kept)
    if not sandbox and "shallow" in script:
        assert len(git(repo.root, "log", "--format=%H").split()) > 1  # whole again


@pytest.mark.parametrize("where", ["home", "xdg", "default-xdg"])
def test_the_global_git_config(repo: Guarded, tmp_path: Path, sandbox: bool, where: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    if where == "home":
        target, label = '"$HOME/.gitconfig"', "~/.gitconfig"
    elif where == "xdg":
        env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
        target, label = '"$XDG_CONFIG_HOME/git/config"', f"{tmp_path}/xdg/git/config"
    else:
        target, label = '"$HOME/.config/git/config"', "~/.config/git/config"
    script = (
        f"mkdir -p \"$(dirname {target})\"; printf '[core]\\n\\tfsmonitor = evil\\n' >> {target}"
    )
    message = _attack(repo, sandbox, script, **env)
    if message is not None:
        assert f"{label} changed: + [core]; + fsmonitor = evil" in message, message


def test_no_false_alarm_with_ignored_files_and_a_linked_worktree(
    repo: Guarded, tmp_path: Path
) -> None:
    repo.write(".gitignore", "__pycache__/\n.env\nnode_modules/\n")
    repo.commit_all("ignores")
    git(repo.root, "worktree", "add", "-q", str(tmp_path / "other"), "-b", "other")
    repo.write(".env", "TOKEN=mine\n")
    for i in range(watchlist.PER_FOLDER + 20):
        repo.write(f"node_modules/pkg{i % 7}/f{i}.js", "x")
    steps = [
        {"id": s, "run": f"cat .env > /dev/null; echo {s} > {s}.txt", "files": [f"{s}.txt"]}
        for s in "ab"
    ]
    path = repo.workstream(ws(*steps, sandbox=False, copy=[".env"], max_workers=2))
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert result.status == "succeeded", [e.message for e in result.state.steps.values()]


def test_ignored_files_are_bounded(tmp_path: Path) -> None:
    for i in range(watchlist.PER_FOLDER + 50):
        (tmp_path / "big" / f"d{i % 3}").mkdir(parents=True, exist_ok=True)
        (tmp_path / "big" / f"d{i % 3}" / f"f{i:05}").write_text("x")
    (tmp_path / "big" / "__pycache__").mkdir()
    (tmp_path / "big" / "__pycache__" / "m.pyc").write_text("x")
    first = watchlist.ignored_files(tmp_path, [".env", "big/"])
    assert len(first) == watchlist.PER_FOLDER + 2  # .env (absent), the folder, its files
    assert not any("__pycache__" in k for k in first)
    watched = sorted(k for k in first if k.startswith("big/d0/"))[0]
    (tmp_path / watched).write_text("xy")
    after = watchlist.ignored_files(tmp_path, [".env", "big/"])
    assert watchlist.changes("", first, after) == [f"{watched} changed (size 1 -> 2)"]
