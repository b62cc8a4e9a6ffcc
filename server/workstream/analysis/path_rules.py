"""The rules for settings that name paths or variables: each says why a value is unusable.

Pure functions of one string (no file system): the analysis turns their answers into findings
(:mod:`workstream.analysis.settings`); the executor checks the same settings again on the disk,
links resolved, before it runs. Each returns None for a good value, else the end of a sentence
that starts with the setting and its value.
"""

from __future__ import annotations

import os
import re

from workstream.analysis.home_rules import home_problem
from workstream.wildcard import segment_matches

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Variables that would make a step's git use another repository, index, object store or
#: configuration, or run a command of the workstream's choosing.
_GIT_REDIRECTS = re.compile(
    r"GIT_(DIR|WORK_TREE|INDEX_FILE|COMMON_DIR|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES"
    r"|NAMESPACE|CEILING_DIRECTORIES|DISCOVERY_ACROSS_FILESYSTEM|CONFIG\w*|EXTERNAL_DIFF"
    r"|SSH\w*|ASKPASS|EDITOR|SEQUENCE_EDITOR|PAGER|EXEC_PATH|TEMPLATE_DIR|PROXY_COMMAND)"
)


def lexical_parts(path: str) -> list[str]:
    """The segments of a ``/``-separated path with ``.`` and ``x/..`` taken out, on paper.

    A ``..`` that climbs above the start stays: ``a/../../b`` is ``['..', 'b']``.
    """
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        else:
            parts.append(part)
    return parts


def worktree_dir_problem(value: str) -> str | None:
    """Why ``execution.worktree_dir`` cannot be used, or None.

    It is resolved against the repository root, so a good value leaves the working tree: a
    relative path that starts with ``..`` (``../worktrees``), or ``~/something``. Worktrees go
    to ``<worktree_dir>/<workstream id>/<step id>``, so a bare ``..`` or ``../..`` is refused
    too: with a workstream id equal to the repository's folder name it would be the repository.
    """
    if "\0" in value:
        return "holds a NUL character"
    if not value.strip():
        return "is empty; leave it out to keep worktrees inside .git"
    if "\\" in value:
        return "holds a '\\': write the path with '/' (a '\\' is part of a file name here)"
    if value.startswith("~"):
        if not value.startswith("~/"):
            return "names a home folder ('~' or '~user'); write '~/something' or '../something'"
        home = lexical_parts(value[2:])
        if not home:
            return "is your home folder itself; name a folder of its own, e.g. '~/worktrees'"
        if home[0] == "..":
            return "climbs out of your home folder; use '~/something' or '../something'"
        return None
    if value.startswith("/") or value[1:2] == ":":
        return (
            "is an absolute path (the same file names a different place on every machine); "
            "use a path relative to the repository that starts with '..', e.g. '../worktrees'"
        )
    parts = lexical_parts(value)
    if not parts or parts[0] != "..":
        return (
            "is inside the working tree (it is resolved against the repository root, and "
            "worktrees there would be found by the repository's git); use a folder outside "
            "it, e.g. '../worktrees'"
        )
    if all(part == ".." for part in parts):
        return (
            "is a folder above the repository, which holds the repository itself; name a "
            "folder of its own, e.g. '../worktrees'"
        )
    return None


def _may_be_git(segment: str) -> bool:
    """Could this segment of a copy pattern name ``.git`` (in any case)?"""
    return segment.casefold() == ".git" or segment_matches(segment, ".git")


def copy_problem(entry: str) -> str | None:
    """Why an ``execution.copy`` entry cannot be used, or None.

    Entries are repository-relative paths or globs of files to copy from the working tree into
    each step's worktree: nothing above the repository, nothing of its ``.git``.
    """
    if "\0" in entry:
        return "holds a NUL character"
    if entry.startswith(("/", "\\", "~")) or entry[1:2] == ":":
        return "must be a path relative to the repository root (no leading '/', '~' or drive)"
    raw = [part for part in entry.replace("\\", "/").split("/") if part not in ("", ".")]
    if ".." in raw:
        return "leaves the repository ('..'); copy only files inside it"
    if not raw:
        return "is the whole repository; name the untracked files to copy, e.g. '.env'"
    if any(part.casefold() == ".git" for part in raw):
        return "is inside .git, which a step's worktree must never receive"
    if (raw[0] != "**" and _may_be_git(raw[0])) or all(part in ("*", "**") for part in raw):
        return "would also copy .git; name the files, e.g. '.env' or 'config/*.local'"
    return None


#: System folders a step never writes (programs, libraries, configuration).
PROTECTED_SYSTEM: tuple[tuple[str, ...], ...] = tuple(
    (p,) for p in ("etc", "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "boot")
)


def overlap(parts: list[str] | tuple[str, ...], protected: tuple[str, ...]) -> bool:
    """Whether a folder (as segments) is, holds or lies inside ``protected``."""
    size = min(len(parts), len(protected))
    return tuple(parts[:size]) == protected[:size]


def writable_problem(entry: str) -> str | None:
    """Why a ``writable`` entry cannot be used, or None: absolute or ``~/``, never ``/``, ``~``
    or a folder holding HOME; below HOME only :data:`~.home_rules.WRITABLE_IN_HOME` (caches,
    state, the agents' data), elsewhere nothing of the system's."""
    if "\0" in entry:
        return "holds a NUL character"
    if not entry.startswith(("/", "~/")):
        return "must be an absolute path or start with '~/'"
    parts = lexical_parts(entry[1:])
    if not parts:
        return "is the whole file system or your whole home folder; name a folder of its own"
    if ".." in entry.split("/"):
        return "must not contain '..'"
    home = lexical_parts(os.path.expanduser("~"))
    if entry.startswith("/") and home and parts[: len(home)] == home:
        parts = parts[len(home) :]  # below HOME, written in full
        if not parts:
            return "is your whole home folder; name a folder of its own, such as ~/.cache/<tool>"
    elif entry.startswith("/"):
        if home and home[: len(parts)] == parts:
            return "holds your home folder; name a folder of its own, such as ~/.cache/<tool>"
        for protected in PROTECTED_SYSTEM:
            if overlap(parts, protected):
                return (
                    f"would let a step write /{'/'.join(protected)}, which your system reads "
                    "outside the sandbox (a command could run as you later); name a folder "
                    "of its own, such as ~/.cache/<tool>"
                )
        return None
    return home_problem(tuple(parts))


def env_name_problem(name: str) -> str | None:
    """Why a name in a step's ``env`` cannot be used, or None."""
    if not _ENV_NAME.fullmatch(name):
        return (
            "is not a variable name: letters, digits and '_', not starting with a digit "
            "(no '=', no NUL, not empty)"
        )
    if _GIT_REDIRECTS.fullmatch(name):
        return (
            "would redirect git or make it run a command, and the executor removes it from "
            "every step's environment; leave it out"
        )
    return None


def env_value_problem(value: str) -> str | None:
    """Why a value in a step's ``env`` cannot be used, or None."""
    if "\0" in value:
        return "has a value holding a NUL character, which no environment can hold"
    return None


def shown(text: str, most: int = 80) -> str:
    """A value as a message shows it: NULs and lone surrogates escaped, long ones shortened."""
    escaped = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\0", "\\0")
    return escaped if len(escaped) <= most else escaped[: most - 1] + "…"
