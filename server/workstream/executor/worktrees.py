"""The step worktrees: where they go, proof that the executor made them, and their removal.

The executor removes only what it created. The folder that holds a workstream's worktrees
(``<worktree_dir>/<workstream id>``, or ``.git/workstream/<id>/worktrees``) carries a marker
file naming the repository it belongs to (and the parent folders the executor made for it,
so that :func:`release_root` can remove those again once empty, and no others); a folder at
that place without the marker, or with another repository's, is an error that names it.
Inside it, a step's worktree is only ever removed through ``git worktree remove`` (git
checks it is a worktree of this repository); anything else at that path is an error, never
an ``rmtree``. A kept worktree with changes
made after the run left it is saved on a commit before it goes (:func:`save_worktree`).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from collections.abc import Sequence
from pathlib import Path

from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError

#: The marker in a worktree root (a step id cannot start with a dot, so none collides).
MARKER = ".workstream-owner"


def claim_root(root: Path, git_dir: Path, *, adopt: bool = False) -> None:
    """Make sure ``root`` is ours: create it with a marker, or find our marker in it.

    ``adopt`` accepts an unmarked existing folder (the default location inside the git dir,
    which only the executor writes).
    """
    marker = root / MARKER
    expected = {"git_dir": str(git_dir)}
    if root.is_symlink():
        raise ExecutorError(f"{root} is a symbolic link; the worktree folder must be a real one")
    if root.exists():
        if not root.is_dir():
            raise ExecutorError(f"{root} exists and is not a folder; move it away")
        if marker.is_file():
            try:
                owner = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                owner = None
            if not isinstance(owner, dict) or owner.get("git_dir") != expected["git_dir"]:
                raise ExecutorError(
                    f"{root} holds the worktrees of another repository "
                    f"({marker} names {owner.get('git_dir') if isinstance(owner, dict) else '?'})"
                )
            return
        if not adopt:
            raise ExecutorError(
                f"{root} already exists and was not made by workstream; workstream only "
                "removes what it created, so it will not use it: move it away or choose "
                "another execution.worktree_dir"
            )
    made = [p for p in reversed(root.parents) if not p.exists() and not p.is_symlink()]
    root.mkdir(parents=True, exist_ok=True)
    record: dict[str, object] = dict(expected)
    if made:
        record["made"] = [str(p) for p in made]
    marker.write_text(json.dumps(record) + "\n", encoding="utf-8")


def _marker(root: Path) -> dict[str, object] | None:
    try:
        owner = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) else None


def owned(root: Path, git_dir: Path) -> bool:
    """True when ``root`` carries our marker for this repository."""
    owner = _marker(root)
    return owner is not None and owner.get("git_dir") == str(git_dir)


def release_root(root: Path, git_dir: Path) -> list[Path]:
    """Remove ``root`` when it is ours and holds nothing but the marker, then the parents the
    executor made for it that are empty now (deepest first); returns the folders removed.

    Only ``rmdir``: a folder that holds anything, even one file, stays.
    """
    owner = _marker(root)
    if owner is None or owner.get("git_dir") != str(git_dir) or root.is_symlink():
        return []
    if any(entry.name != MARKER for entry in root.iterdir()):
        return []
    made = owner.get("made")
    (root / MARKER).unlink()
    try:
        root.rmdir()
    except OSError:
        return []
    removed = [root]
    parents = [Path(p) for p in made if isinstance(p, str)] if isinstance(made, list) else []
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        if parent not in root.parents or parent.is_symlink():
            continue
        try:
            parent.rmdir()
        except OSError:
            break  # not empty (or gone): its own parents are not empty either
        removed.append(parent)
    return removed


class LinkedAway(GitError):
    """A folder of the executor's (the one holding a worktree, a worktree's git admin folder)
    is, or sits under, a link a step made: nothing is written through it. A git failure of
    that worktree to every caller (the step fails, the pool drops the worktree)."""


def real_folder(path: Path, what: str) -> None:
    """Raise :class:`LinkedAway` unless ``path`` is a real folder reached through no link.

    The executor's paths are resolved once, when the run starts (``worktree_dir`` with its
    links followed then); a step without the sandbox could swap a folder on the way for a
    link to the user's repository afterwards, and every write below would land there."""
    real = os.path.realpath(path)
    try:
        folder = stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        folder = False
    if real != str(path) or not folder:
        raise LinkedAway(
            f"{what} {path} now leads to {real} (a step replaced it, or a folder above it, "
            "with a link or a file); nothing was written there"
        )


#: Files of a worktree's admin folder that the executor never leaves a step's version of:
#: ``locked`` (git would refuse to move or prune the worktree) and ``config.worktree`` (read
#: when the repository sets extensions.worktreeConfig: a step's core.fsmonitor would run in
#: the user's next git command there). The index goes too when it is not a plain file of its
#: own (a link, or a hard link, to the user's index: the executor's next write of it, the
#: pool's copy, would land in theirs).
_ADMIN_DROPPED = ("locked", "config.worktree")


def _tidy_admin(admin: Path) -> None:
    """Check the admin folder is git's own and drop what a step may have planted there."""
    try:
        info = os.lstat(admin)
    except OSError:
        info = None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        os.unlink(admin)  # in git's worktrees folder, where a link is never git's: only it goes
    real_folder(admin, "the worktree's git admin folder")
    for name in _ADMIN_DROPPED:
        (admin / name).unlink(missing_ok=True)
    index = admin / "index"
    try:
        info = os.lstat(index)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        index.unlink()


def put_index(source: Path, admin: Path) -> None:
    """Copy ``source`` to the admin folder's index without following what is there (a step
    may have made it a link): a new file, renamed over it."""
    tmp = admin / ".index.workstream-tmp"
    tmp.unlink(missing_ok=True)
    shutil.copyfile(source, tmp)
    os.replace(tmp, admin / "index")


def registered(repo: Git, path: Path) -> bool:
    """True when ``path`` is a worktree git knows for this repository."""
    return any(w.path == path for w in repo.worktrees())


def clear_path(repo: Git, path: Path) -> None:
    """Make room for a step's worktree at ``path``: remove ours, refuse anything else
    (and anything when the folder that holds it is a link now: :func:`real_folder`)."""
    real_folder(path.parent, "the folder of the worktrees")
    if registered(repo, path):
        if path.exists():
            repo.remove_worktree(path)
        else:
            repo.prune()
        return
    if path.exists() or path.is_symlink():
        raise ExecutorError(
            f"{path} exists and is not a worktree workstream made; it is left alone: move it "
            "away to run this step"
        )


def reclaim(path: Path) -> str | None:
    """Put a real, empty folder back where a step removed its worktree folder or replaced it
    with a link or a file, touching only what sits at ``path`` (a link is unlinked, never
    followed: through a link to the user's repository, the next ``rmtree`` of ``.git`` or
    ``git clean`` would act on theirs). Returns what it found, or None for a real folder.
    Raises :class:`LinkedAway` when the folder holding ``path`` is a link now."""
    real_folder(path.parent, "the folder of the worktrees")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        path.mkdir()
        return f"the step removed its worktree folder {path}"
    if stat.S_ISDIR(info.st_mode):
        return None
    target = os.readlink(path) if stat.S_ISLNK(info.st_mode) else None
    os.unlink(path)
    path.mkdir()
    if target is not None:
        return f"the step replaced its worktree folder {path} with a link to {target}"
    return f"the step replaced its worktree folder {path} with a file"


def reset_admin(admin: Path, path: Path, commit: str) -> str | None:
    """Point a worktree's HEAD at ``commit`` and undo what a step may have rewritten there;
    first make ``path`` a real folder again (:func:`reclaim`: what it found, or None).

    Nothing is written through a link: an admin folder a step replaced with one is unlinked
    and :class:`LinkedAway` raised, as when the worktrees' folder is a link now."""
    replaced = reclaim(path)
    _tidy_admin(admin)
    _replace(admin / "HEAD", commit + "\n")
    _replace(admin / "commondir", "../..\n")
    _replace(admin / "gitdir", str(path / ".git") + "\n")
    dot_git = path / ".git"
    if dot_git.is_dir() and not dot_git.is_symlink():
        shutil.rmtree(dot_git)
    elif dot_git.exists() or dot_git.is_symlink():
        dot_git.unlink()
    dot_git.write_text(f"gitdir: {admin}\n", encoding="utf-8")
    return replaced


def _replace(file: Path, text: str) -> None:
    """Write ``file`` atomically (git reads these files from other threads' commands)."""
    try:
        if file.read_text(encoding="utf-8") == text and not file.is_symlink():
            return
    except OSError:
        pass
    tmp = file.with_name(f".{file.name}.workstream-tmp")
    tmp.unlink(missing_ok=True)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, file)


def snapshot_tree(
    repo: Git,
    path: Path,
    scratch: Path,
    seed_index: Path | None = None,
    *,
    base: str | None = None,
    exclude: Sequence[str] = (),
) -> str:
    """The tree of everything in the worktree at ``path`` (ignored files aside).

    Staged into a private index (a copy of ``seed_index`` when given, so unchanged files are
    not hashed again; else ``base``'s tree when given), through the repository's own git
    dir: the worktree's ``.git`` is not consulted, whatever the step did to it. Paths under
    ``exclude`` (a tool's bookkeeping) keep what the seed has: they never count as changes.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    index = scratch / f"snapshot-{time.monotonic_ns()}.index"
    try:
        git = repo.on(path, index)
        if seed_index is not None and seed_index.is_file():
            shutil.copyfile(seed_index, index)
        elif base is not None:
            git.run("read-tree", base)
        return git.write_tree_of_work_tree(exclude)
    finally:
        index.unlink(missing_ok=True)


def save_worktree(
    repo: Git,
    path: Path,
    base: str,
    environment: frozenset[str],
    scratch: Path,
    message: str,
    exclude: Sequence[str] = (),
) -> str | None:
    """Commit what the worktree holds beyond ``base`` (environment and ``exclude`` left out).

    Returns the new commit, or None when there is nothing to save. No ref is moved.
    """
    tree = snapshot_tree(repo, path, scratch, base=base, exclude=exclude)
    changed = [p for p in repo.changed_between(base, tree) if p not in environment]
    if not changed:
        return None
    index = scratch / f"save-{time.monotonic_ns()}.index"
    try:
        result = repo.on(path, index).tree_with(base, tree, changed)
    finally:
        index.unlink(missing_ok=True)
    return repo.commit_tree(result, [base], message)


def safe_save(
    repo: Git,
    path: Path,
    base: str | None,
    environment: frozenset[str],
    scratch: Path,
    why: str,
    exclude: Sequence[str] = (),
) -> tuple[str | None, str | None]:
    """:func:`save_worktree` that reports a failure instead of raising: (commit, error)."""
    if base is None or repo.commit_of(base) is None:
        return None, "its start commit is unknown"
    try:
        return save_worktree(repo, path, base, environment, scratch, why, exclude), None
    except GitError as exc:
        return None, str(exc)
