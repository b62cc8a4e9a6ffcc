"""The tripwire: where no sandbox confines the steps, detect what they did to the repository.

:func:`snapshot` records the user's repository — HEAD and its branch, the index, every ref
but the executor's own, the config (the repository's, the global and XDG ones, the system's,
and every file an ``[include]``/``[includeIf]`` reaches, present or not), the hooks, ``info/``
(``exclude``, ``attributes``, ``grafts``), the object store's listing with the refs whose
object is missing (:mod:`~workstream.executor.gitreach`: a step that deletes objects) and
the working tree's status with a hash of each changed or untracked file; around it
(:mod:`~workstream.executor.watchlist`) the ignored files (bounded; ``.pyc`` files in
``__pycache__`` too), ``shallow``, ``commondir``, ``objects/info/alternates``, the reflogs
in ``logs/`` and every linked worktree of the user (admin files and status) — and the
active virtualenv's ``site-packages`` in brief
(:func:`~workstream.executor.pyenv.venv_fingerprint`: a ``pip install -e .`` into the user's
venv would re-point it at a step's worktree); :func:`compare` says, in sentences, what
differs between two snapshots. Every git call is pinned to the repository (``--git-dir`` and
``--work-tree``) and inert (no hooks, no fsmonitor, no optional locks, so reading the status
does not rewrite the index).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workstream.executor.gitops import Git
from workstream.executor.gitreach import (
    included_configs,
    missing_tips,
    object_changes,
    object_store,
    tips_of,
)
from workstream.executor.pyenv import venv_changes, venv_fingerprint
from workstream.executor.watchlist import (
    changes as watch_changes,
)
from workstream.executor.watchlist import (
    git_files,
    global_configs,
    ignored_files,
    linked_worktrees,
)


@dataclass(frozen=True, slots=True)
class RepoSnapshot:
    """The parts of a repository a step must not change."""

    head: str  # "ref: refs/heads/main" or a commit
    head_commit: str
    index: str  # hash of the index entries
    refs: dict[str, str]
    config: dict[str, str]  # ".git/config", "~/.gitconfig", … -> content hash
    config_text: dict[str, tuple[str, ...]]
    hooks: dict[str, str]
    info: dict[str, str]
    status: dict[str, str]  # path -> "status code + content hash"
    venv: dict[str, str] = field(default_factory=dict)  # the active virtualenv, in brief
    ignored: dict[str, str] = field(default_factory=dict)  # ignored path -> size mtime ctime
    git_files: dict[str, str] = field(default_factory=dict)  # shallow, alternates, logs/, …
    worktrees: dict[str, str] = field(default_factory=dict)  # the user's linked worktrees
    objects: dict[str, str] = field(default_factory=dict)  # loose object and pack names
    missing: dict[str, str] = field(default_factory=dict)  # refs whose object is absent


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _files(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        if path.is_file() or path.is_symlink():
            try:
                data = path.read_bytes() if not path.is_symlink() else str(path.readlink()).encode()
            except OSError:
                data = b"?"
            out[str(path.relative_to(folder))] = _hash(data)
    return out


def snapshot(
    repo_root: Path,
    git_dir: Path,
    *,
    ignore_ref_prefix: str,
    env: Mapping[str, str] | None = None,
) -> RepoSnapshot:
    """The state of the user's repository now, and of the virtualenv ``env`` activates."""
    git = Git(git_dir, repo_root)
    head_file = git_dir / "HEAD"
    try:
        head = head_file.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        head = "?"
    head_commit = git.call("rev-parse", "--verify", "--quiet", "HEAD")[1].strip()
    index = _hash(git.run("ls-files", "--stage", "-z").encode("utf-8", "surrogateescape"))
    refs = {
        name: sha
        for name, sha in git.refs("refs/").items()
        if not name.startswith(ignore_ref_prefix)
    }
    environ = os.environ if env is None else env
    config: dict[str, str] = {}
    config_text: dict[str, tuple[str, ...]] = {}
    files = [(f".git/{n}", git_dir / n) for n in ("config", "config.worktree")]
    home = environ.get("HOME", "")
    for path in global_configs(environ):
        files.append((_label(path, home), path))
    known = {os.path.abspath(p) for _, p in files}
    for path in included_configs(Git(git_dir, repo_root, environ), environ):
        if str(path) not in known:  # reached through [include] / [includeIf]
            files.append((_label(path, home), path))
    for label, path in files:
        try:
            data = path.read_bytes()
        except OSError:
            if str(path) not in known:
                config[label] = "-"  # an included file that does not exist (yet)
            continue
        config[label] = _hash(data)
        config_text[label] = tuple(data.decode("utf-8", "replace").splitlines())
    hooks = _files(git_dir / "hooks")
    custom = git.call("config", "--get", "core.hooksPath")[1].strip()
    if custom:
        hooks.update({f"{custom}/{k}": v for k, v in _files(repo_root / custom).items()})
    status: dict[str, str] = {}
    ignored: list[str] = []
    code, out, err = git.call(
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--ignored=matching",  # ignored folders listed once, not walked
        "--no-renames",
    )
    if code != 0:  # e.g. HEAD's commit deleted: said as a change, never a crash
        status["(status)"] = f"?? git status failed: {err.strip()[-200:]}"
        out = ""
    for entry in out.split("\0"):
        if len(entry) < 4:
            continue
        mark, name = entry[:2], entry[3:]
        if mark == "!!":
            ignored.append(name)
        else:
            status[name] = f"{mark} {_file_hash(repo_root / name)}"
    info = _files(git_dir / "info")
    venv = venv_fingerprint(environ)
    objects = object_store(git_dir)
    return RepoSnapshot(
        head,
        head_commit,
        index,
        refs,
        config,
        config_text,
        hooks,
        info,
        status,
        venv,
        ignored_files(repo_root, ignored),
        git_files(git_dir, ignore_ref_prefix),
        linked_worktrees(git_dir, repo_root, git, _file_hash),
        objects,
        missing_tips(git, tips_of(refs, head_commit)),
    )


def _label(path: Path, home: str) -> str:
    label = str(path)
    if home and label.startswith(home.rstrip("/") + "/"):
        label = "~/" + label[len(home.rstrip("/")) + 1 :]
    return label


def _file_hash(file: Path) -> str:
    try:
        return _hash(file.read_bytes()) if file.is_file() else "-"
    except OSError:
        return "?"


def compare(before: RepoSnapshot, after: RepoSnapshot) -> list[str]:
    """What changed from ``before`` to ``after``, one sentence each; [] when nothing did."""
    changes: list[str] = []
    if before.head != after.head or before.head_commit != after.head_commit:
        changes.append(f"HEAD moved from {_head(before)} to {_head(after)}")
    if before.index != after.index:
        changes.append("the index (staged changes) changed")
    for name in sorted(set(before.refs) | set(after.refs)):
        old, new = before.refs.get(name), after.refs.get(name)
        if old == new:
            continue
        if old is None:
            changes.append(f"new ref {name} ({(new or '')[:12]})")
        elif new is None:
            changes.append(f"ref {name} deleted (was {old[:12]})")
        else:
            changes.append(f"ref {name} moved from {old[:12]} to {new[:12]}")
    for name in sorted(set(before.config) | set(after.config)):
        if before.config.get(name) != after.config.get(name):
            old_lines = set(before.config_text.get(name, ()))
            new_lines = set(after.config_text.get(name, ()))
            added = [
                line.strip() for line in after.config_text.get(name, ()) if line not in old_lines
            ]
            removed = [
                line.strip() for line in before.config_text.get(name, ()) if line not in new_lines
            ]
            detail = "; ".join([*(f"+ {a}" for a in added[:5]), *(f"- {r}" for r in removed[:5])])
            changes.append(f"{name} changed" + (f": {detail}" if detail else ""))
    changes += _dict_changes("hook", before.hooks, after.hooks)
    changes += watch_changes(".git/info/", before.info, after.info)
    failed = after.status.get("(status)")
    if failed is not None and failed != before.status.get("(status)"):
        changes.append(f"the working tree cannot be read: {failed.removeprefix('?? ')}")
    for path in sorted(set(before.status) | set(after.status)):
        old, new = before.status.get(path), after.status.get(path)
        if old == new or path == "(status)":
            continue
        if new is None:
            changes.append(f"working tree: {path} was restored or removed")
        elif old is None:
            changes.append(f"working tree: {path} {'added' if new.startswith('??') else 'changed'}")
        else:
            changes.append(f"working tree: {path} changed again")
    changes += watch_changes("working tree (ignored): ", before.ignored, after.ignored)
    changes += watch_changes(".git/", before.git_files, after.git_files)
    changes += watch_changes("linked worktree ", before.worktrees, after.worktrees)
    changes += object_changes(
        before.objects,
        after.objects,
        {k: v for k, v in after.missing.items() if k not in before.missing},
    )
    return changes + venv_changes(before.venv, after.venv)


def _dict_changes(kind: str, before: dict[str, str], after: dict[str, str]) -> list[str]:
    out: list[str] = []
    for name in sorted(set(before) | set(after)):
        if name not in before:
            out.append(f"{kind} added: {name}")
        elif name not in after:
            out.append(f"{kind} removed: {name}")
        elif before[name] != after[name]:
            out.append(f"{kind} changed: {name}")
    return out


def _head(snap: RepoSnapshot) -> str:
    name = (
        snap.head.removeprefix("ref: refs/heads/") if snap.head.startswith("ref:") else "detached"
    )
    return f"{name} ({snap.head_commit[:12]})"
