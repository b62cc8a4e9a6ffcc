"""The tripwire's outer ring: what lies around the repository's index, refs and status.

:mod:`workstream.executor.tripwire` snapshots HEAD, index, refs, config, hooks and status;
this module adds the places a step without a sandbox can reach by walking up from the
objects it is handed (``$(dirname $GIT_ALTERNATE_OBJECT_DIRECTORIES)`` is the user's
``.git``), each as a flat ``name -> fingerprint`` dict that :func:`changes` compares:

- :func:`ignored_files`: the user's **ignored files** (``.env``, build folders) by path, size,
  mtime and ctime (ctime cannot be set back by a step, so a write that restores the mtime
  still shows). Bounded: git lists ignored folders without their contents
  (``--ignored=matching``); each folder contributes at most :data:`PER_FOLDER` files (sorted
  walk, symbolic links not followed) and all of them :data:`MAX_IGNORED` (a ``node_modules``
  or ``.venv`` of 50,000 files costs the same as one of 1,000: beyond the cap only the first
  files and the folder's own entry are watched). Folders that tools rewrite while the user
  works (:data:`CACHE_DIRS`: ``.pytest_cache``, …) are skipped; but the ``.pyc`` files of a
  ``__pycache__`` git lists as ignored in the user's tree are watched (:data:`PYCACHE`: a
  forged one is run instead of its source), those within other ignored folders are not.
- :func:`git_files`: single files that change what git reads: ``shallow``, ``commondir``,
  ``objects/info/alternates`` and ``http-alternates``, ``info/grafts``; and ``logs/``
  (present or not, each reflog's size; the executor's own branches left out).
- :func:`linked_worktrees`: every linked worktree of the user (not the executor's, which carry
  its marker): its admin folder's files (HEAD, index, gitdir, config.worktree, …) and its
  working tree's status with a hash of each changed file.
- :func:`global_configs`: ``~/.gitconfig`` (or ``GIT_CONFIG_GLOBAL``), the XDG git folder
  (``$XDG_CONFIG_HOME/git`` or ``~/.config/git``: config, attributes, ignore) and
  ``/etc/gitconfig``, as text (so a message can show the lines that changed).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from workstream.executor.gitops import Git
from workstream.executor.worktrees import owned

#: Files fingerprinted below one ignored folder, and below all of them together.
PER_FOLDER = 1000
MAX_IGNORED = 5000

#: Compiled Python: Python runs a ``.pyc`` instead of its source when the header matches the
#: source's size and mtime, so a forged one in the user's tree is code. Watched where git
#: lists the folder itself as ignored (the user's sources); inside other ignored folders (a
#: ``.venv``, where any import writes them) not.
PYCACHE = "__pycache__"

#: Ignored folders that tools rewrite on their own (an import, a test run): not watched.
CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})

#: Single files of the git dir that redirect or truncate what git reads.
GIT_FILES = (
    "shallow",
    "commondir",
    "objects/info/alternates",
    "objects/info/http-alternates",
    "info/grafts",
)


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _stamp(path: Path | str) -> str:
    try:
        st = os.lstat(path)
    except OSError:
        return "-"
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"


def ignored_files(root: Path, entries: Iterable[str]) -> dict[str, str]:
    """Fingerprints of the ignored ``entries`` git listed (folders end with ``/``)."""
    out: dict[str, str] = {}
    folders: list[str] = []
    for entry in entries:
        if entry.endswith("/"):
            folders.append(entry)
        elif len(out) < MAX_IGNORED:
            out[entry] = _stamp(root / entry)
    for folder in folders:
        if Path(folder).name == PYCACHE:
            _compiled(root / folder, folder, out)
            continue
        if Path(folder).name in CACHE_DIRS:
            continue
        out[folder] = _stamp(root / folder)
        _walk(str(root) + os.sep, folder.rstrip("/"), out, min(PER_FOLDER, MAX_IGNORED - len(out)))
    return out


def _compiled(path: Path, folder: str, out: dict[str, str]) -> None:
    """The ``.pyc`` files of one ``__pycache__`` of the user's tree (not its own entry, which
    a ``.pyc`` the user's Python writes beside it changes too), within the budget."""
    try:
        with os.scandir(path) as it:
            entries = sorted((e for e in it if e.name.endswith(".pyc")), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries[: max(0, min(PER_FOLDER, MAX_IGNORED - len(out)))]:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        out[folder + entry.name] = f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"


def _walk(root: str, folder: str, out: dict[str, str], budget: int) -> int:
    """Stamp the files below ``folder`` (sorted, depth first) until ``budget`` runs out."""
    try:
        with os.scandir(root + folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return budget
    for entry in entries:
        if budget <= 0:
            break
        rel = f"{folder}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in CACHE_DIRS:
                budget = _walk(root, rel, out, budget)
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        out[rel] = f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"
        budget -= 1
    return budget


def git_files(git_dir: Path, own_ref_prefix: str) -> dict[str, str]:
    """:data:`GIT_FILES` (hash and first line) and the reflogs but the executor's own (size)."""
    out: dict[str, str] = {}
    for name in GIT_FILES:
        try:
            data = (git_dir / name).read_bytes()
        except OSError:
            continue
        first = data.decode("utf-8", "replace").strip().splitlines()[:1]
        out[name] = f"{_hash(data)} {first[0][:120] if first else ''}".rstrip()
    logs = git_dir / "logs"
    if logs.is_dir():
        out["logs/"] = "present"
        for path in sorted(logs.rglob("*")):
            rel = path.relative_to(logs).as_posix()
            if rel.startswith(own_ref_prefix) or path.is_dir():
                continue
            out[f"logs/{rel}"] = str(path.lstat().st_size) if path.exists() else "-"
    return out


def linked_worktrees(
    git_dir: Path, repo_root: Path, git: Git, file_hash: Callable[[Path], str]
) -> dict[str, str]:
    """The user's linked worktrees: ``<path> admin <file>`` and ``<path>: <status path>``."""
    out: dict[str, str] = {}
    base = git_dir / "worktrees"
    for admin in sorted(base.iterdir()) if base.is_dir() else ():
        try:
            gitdir = Path((admin / "gitdir").read_text(encoding="utf-8", errors="replace").strip())
        except OSError:
            continue  # being made or removed (ours, or no longer a worktree)
        tree = gitdir.parent
        if any(owned(p, git_dir) for p in list(tree.parents)[:4]):
            continue  # one of the executor's worktrees
        for path in sorted(admin.rglob("*")):
            if path.is_file():
                try:
                    out[f"{tree} admin {path.relative_to(admin)}"] = _hash(path.read_bytes())
                except OSError:
                    out[f"{tree} admin {path.relative_to(admin)}"] = "?"
        if tree == repo_root or not tree.is_dir():
            continue
        code, status, err = Git(admin, tree, git.env).call(
            "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"
        )
        if code != 0:
            out[f"{tree}: (status)"] = f"git status failed: {err.strip()[-200:]}"
            continue
        for entry in status.split("\0"):
            if len(entry) >= 4:
                out[f"{tree}: {entry[3:]}"] = f"{entry[:2]} {file_hash(tree / entry[3:])}"
    return out


def global_configs(env: Mapping[str, str]) -> list[Path]:
    """The git config files outside the repository that git reads for it."""
    home = env.get("HOME", "")
    paths: list[Path] = []
    if env.get("GIT_CONFIG_GLOBAL"):
        paths.append(Path(env["GIT_CONFIG_GLOBAL"]))
    if home:
        paths.append(Path(home) / ".gitconfig")
    xdg = env.get("XDG_CONFIG_HOME") or (f"{home}/.config" if home else "")
    if xdg:
        paths += [Path(xdg) / "git" / name for name in ("config", "attributes", "ignore")]
    paths.append(Path(env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"))
    return list(dict.fromkeys(paths))


def changes(kind: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """One sentence per entry added, removed or changed between two fingerprint dicts."""
    out: list[str] = []
    if "logs/" in before and "logs/" not in after:
        out.append(".git/logs deleted (the reflogs)")
        before = {k: v for k, v in before.items() if not k.startswith("logs/")}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None or old == "-":
            out.append(f"{kind}{name} added{_detail(name, new)}")
        elif new is None or new == "-":
            out.append(f"{kind}{name} removed")
        else:
            out.append(f"{kind}{name} changed{_detail(name, new, old)}")
    return out


def _detail(name: str, new: str | None, old: str | None = None) -> str:
    if new is None:
        return ""
    if name.startswith("logs/"):
        return f" (size {old} -> {new})" if old is not None else ""
    if name in GIT_FILES:
        preview = new.split(" ", 1)
        return f": {preview[1]}" if len(preview) == 2 else ""
    was, now = (old or "").split(" "), new.split(" ")
    if len(was) == 3 and len(now) == 3:
        return f" (size {was[0]} -> {now[0]})" if was[0] != now[0] else " (rewritten)"
    return ""
