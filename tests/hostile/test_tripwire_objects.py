"""The tripwire's further reach: the object store, included config, compiled Python, commits.

Without the sandbox a step can delete the user's objects (``main`` then names a missing
commit), write a config file that ``~/.gitconfig`` or ``.git/config`` includes, forge a
``.pyc`` in an ignored ``__pycache__`` of the user's tree (Python runs it instead of its
source), or ``git -C <repo> commit`` (its objects land in the step's private object folder).
Each is found and named; the commit's objects are kept so that ``main`` never dangles. With
the sandbox each write fails and the step succeeds with nothing changed.
"""

from __future__ import annotations

import py_compile
import shutil
import sys
from pathlib import Path

from tests.executor.conftest import git, run, ws

from .conftest import Guarded
from .test_tripwire_reach import _attack

OBJ = 'h=$(git rev-parse HEAD); o="$G/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-)"; '


def test_a_deleted_commit_object_of_main(repo: Guarded, tmp_path: Path, sandbox: bool) -> None:
    store = repo.root / ".git" / "objects"
    message = _attack(
        repo, sandbox, f"cp -r '{store}' '{tmp_path}/kept'; " + OBJ + 'chmod u+w "$o"; rm -f "$o"'
    )
    head = (repo.root / ".git" / "refs" / "heads" / "main").read_text().strip()
    if message is not None:
        assert f".git/objects: 1 object deleted ({head}" in message, message
        assert f"refs/heads/main points at {head[:12]}, which is missing" in message, message
        assert "the working tree cannot be read" in message, message
        shutil.copyfile(tmp_path / "kept" / head[:2] / head[2:], store / head[:2] / head[2:])
    assert git(repo.root, "cat-file", "-t", head).strip() == "commit"


def test_no_false_alarm_when_the_store_only_grows(repo: Guarded) -> None:
    steps = [{"id": s, "run": f"echo {s} > {s}.txt", "files": [f"{s}.txt"]} for s in "ab"]
    path = repo.workstream(ws(*steps, sandbox=False))
    repo.expected = repo.snapshot()
    result, _ = run(path)  # each step's result is committed into the user's store meanwhile
    assert result.status == "succeeded", [e.message for e in result.state.steps.values()]


def test_a_file_the_global_config_includes(repo: Guarded, tmp_path: Path, sandbox: bool) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[include]\n\tpath = ~/.gitconfig.local\n")
    script = "printf '[core]\\n\\tfsmonitor = evil\\n' > \"$HOME/.gitconfig.local\""
    message = _attack(repo, sandbox, script, HOME=str(home))
    if message is not None:
        assert "~/.gitconfig.local changed: + [core]; + fsmonitor = evil" in message, message
    (home / ".gitconfig.local").unlink(missing_ok=True)


def test_a_file_the_repository_config_includes(
    repo: Guarded, tmp_path: Path, sandbox: bool
) -> None:
    shared = tmp_path / "shared" / "team.gitconfig"
    shared.parent.mkdir()
    shared.write_text("[user]\n\tsigningkey = mine\n")
    git(repo.root, "config", f"includeIf.gitdir:{repo.root}/.git.path", str(shared))
    script = f"printf '[core]\\n\\tpager = evil\\n' >> '{shared}'"
    message = _attack(repo, sandbox, script)
    if message is not None:
        assert f"{shared} changed: + [core]; + pager = evil" in message, message
    shared.write_text("[user]\n\tsigningkey = mine\n")


def test_a_forged_pyc_in_an_ignored_pycache(repo: Guarded, sandbox: bool) -> None:
    """``.gitignore`` holds ``__pycache__/``: the status lists none of it, the tripwire does."""
    tag = sys.implementation.cache_tag
    pyc = repo.root / "src" / "__pycache__" / f"lib.{tag}.pyc"
    py_compile.compile(str(repo.root / "src" / "lib.py"), cfile=str(pyc))
    honest = pyc.read_bytes()
    forged = f"$G/../src/__pycache__/lib.{tag}.pyc"
    script = (
        f'head -c 16 "{forged}" > /tmp/h.$$; cat /tmp/h.$$ /dev/urandom | head -c 300 > "{forged}"'
    )
    message = _attack(repo, sandbox, script)
    if message is not None:
        assert f"working tree (ignored): src/__pycache__/lib.{tag}.pyc changed" in message
        pyc.write_bytes(honest)
    assert pyc.read_bytes() == honest


def test_a_new_pyc_in_a_new_pycache(repo: Guarded, sandbox: bool) -> None:
    script = (
        'mkdir -p "$G/../docs/__pycache__"; printf x > "$G/../docs/__pycache__/x.cpython-3.pyc"'
    )
    message = _attack(repo, sandbox, script)
    if message is not None:
        assert "working tree (ignored): docs/__pycache__/x.cpython-3.pyc added" in message
        shutil.rmtree(repo.root / "docs" / "__pycache__")


def test_a_commit_in_the_users_tree_keeps_its_objects(repo: Guarded, sandbox: bool) -> None:
    """The commit's objects are in the step's scratch folder, which goes at the step's end:
    they are copied into the user's store first, so ``main`` is whole; the moved ref and the
    index are reported. The test then puts ``main`` back."""
    before = repo.head()
    script = (
        'echo evil > "$G/../evil.txt"; git -C "$G/.." add evil.txt; git -C "$G/.." commit -qm evil'
    )
    message = _attack(repo, sandbox, script)
    if message is None:
        return  # the fixture checks main did not move
    after, before = repo.head(), repo.head("main^")
    assert f"ref refs/heads/main moved from {before[:12]} to {after[:12]}" in message, message
    assert repo.show("main", "evil.txt") == "evil\n"  # every object of it is there
    assert git(repo.root, "fsck", "--no-dangling", "--connectivity-only").strip() == ""
    git(repo.root, "update-ref", "refs/heads/main", before)
    git(repo.root, "reset", "-q")
    (repo.root / "evil.txt").unlink()
