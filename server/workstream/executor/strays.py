"""Objects a step's git wrote to its private object folder that the user's repository needs.

A step's git writes its objects to ``<scratch>/objects`` (``GIT_OBJECT_DIRECTORY``, see
:mod:`~workstream.executor.commands`). Without the sandbox a step can still run
``git -C <the user's repository> commit``: the commit lands in that scratch folder while the
user's branch, index and reflog name it, so deleting the folder at the end of the step (or
``clean`` after a killed runner) would leave the user's ``main`` pointing at a missing object.

:func:`keep_needed` runs before any scratch object folder is removed: when an object in it is
named by one of the user's refs, HEADs (its own and its linked worktrees'), reflog entries or
index entries, every object of the folder is copied into the user's object store (objects
are named by their content: a copy never replaces anything, and the step's objects carry what
that commit reaches). The tripwire still reports the moved ref; nothing is left dangling.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from workstream.executor.gitops import Git

_HEX = frozenset("0123456789abcdef")


def _loose(objects: Path) -> Iterator[tuple[str, Path]]:
    try:
        folders = [e for e in os.scandir(objects) if len(e.name) == 2 and e.is_dir()]
    except OSError:
        return
    for folder in folders:
        try:
            for entry in os.scandir(folder.path):
                if len(entry.name) == 38 and set(entry.name) <= _HEX:
                    yield folder.name + entry.name, Path(entry.path)
        except OSError:
            continue


def _packed(git: Git, objects: Path) -> set[str]:
    out: set[str] = set()
    for idx in sorted((objects / "pack").glob("*.idx")):
        try:
            data = idx.read_bytes()
        except OSError:
            continue
        code, text, _ = git.call("show-index", stdin=data)
        if code == 0:
            out |= {line.split()[1] for line in text.splitlines() if len(line.split()) >= 2}
    return out


def named_by_user(git: Git) -> set[str]:
    """Every object the user's refs, HEADs, reflogs and index name directly."""
    git_dir = git.git_dir
    names = set(git.refs("refs/").values())
    heads = [git_dir / "HEAD", *sorted((git_dir / "worktrees").glob("*/HEAD"))]
    for head in heads:
        try:
            text = head.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        names.add(text)
    logs = git_dir / "logs"
    for log in logs.rglob("*") if logs.is_dir() else ():
        try:
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            names.update(line.split(" ", 2)[:2])
    code, out, _ = git.call("ls-files", "--stage", "-z")
    if code == 0:
        names.update(e.split(" ", 2)[1] for e in out.split("\0") if e.count(" ") >= 2)
    return {n for n in names if len(n) == 40}


def keep_needed(repo: Git, objects: Path) -> int:
    """Copy the objects of ``objects`` into the user's store when the user's repository
    names one of them; the number of objects copied (0: none was needed)."""
    if not objects.is_dir():
        return 0
    loose = dict(_loose(objects))
    packed = _packed(repo, objects)
    if not loose and not packed:
        return 0
    user = Git(repo.git_dir, repo.work_tree or repo.git_dir.parent, repo.env)
    if not (named_by_user(user) & (set(loose) | packed)):
        return 0
    store = repo.git_dir / "objects"
    copied = 0
    for name, path in loose.items():
        dest = store / name[:2] / name[2:]
        if dest.exists():
            continue
        dest.parent.mkdir(exist_ok=True)
        tmp = dest.with_name(f"tmp_ws_{name[2:]}")
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o444)
        os.replace(tmp, dest)
        copied += 1
    for idx in sorted((objects / "pack").glob("*.idx")):
        pack = idx.with_suffix(".pack")
        if not pack.is_file() or (store / "pack" / idx.name).exists():
            continue
        (store / "pack").mkdir(exist_ok=True)
        shutil.copyfile(pack, store / "pack" / pack.name)
        shutil.copyfile(idx, store / "pack" / idx.name)  # the index last: git sees it whole
    return copied + len(packed)
