"""Settings that name paths or set a step's environment: what a run could be turned against.

- WS204: ``execution.worktree_dir`` must lead outside the working tree (a relative path that
  starts with ``..``, or an absolute or ``~/`` one), and must not be the file system's root,
  the home folder or the repository's parent itself.
- WS205: ``execution.copy`` entries are repository-relative paths without ``..``, ``~`` or
  ``.git``.
- WS206: a ``files`` entry must not start with ``-`` (it would become an option of an AI tool).
- WS207: ``writable`` entries are absolute or ``~/`` directories, never ``/`` or ``~``.
- WS304: ``env`` names are ``[A-Za-z_][A-Za-z0-9_]*``, values hold no NUL; names that would
  redirect git (``GIT_DIR``, ``GIT_CONFIG_*``…) are errors too: the executor removes them.

The executor checks the same things again on the disk (resolving links) before it runs.
"""

from __future__ import annotations

import re

from workstream.analysis.context import Context
from workstream.findings import Finding, finding
from workstream.model import Step

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GIT_REDIRECTS = re.compile(
    r"GIT_(DIR|WORK_TREE|INDEX_FILE|COMMON_DIR|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES"
    r"|NAMESPACE|CEILING_DIRECTORIES|CONFIG\w*|EXTERNAL_DIFF|SSH\w*|ASKPASS|EDITOR|PAGER)"
)


def check(ctx: Context) -> list[Finding]:
    """WS204, WS205, WS206, WS207 and WS304."""
    findings = _execution(ctx)
    for step in ctx.model.steps:
        findings.extend(_step(ctx, step))
    return findings


def _parts(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]


def worktree_dir_problem(value: str) -> str | None:
    """Why ``execution.worktree_dir`` cannot be used, or None."""
    if "\0" in value:
        return "holds a NUL character"
    if value.startswith("~") and not value.startswith("~/"):
        return "names another user's home; use '~/…' or a path relative to the repository"
    absolute = value.startswith(("/", "~/"))
    parts = _parts(value[1:] if value.startswith("~") else value)
    if absolute and not parts:
        return "is the root of the file system or your home folder itself"
    if not absolute and (not parts or parts[0] != ".."):
        return (
            "is inside the working tree: step worktrees there would be found by the "
            "repository's git; use a folder outside it, e.g. '../worktrees'"
        )
    if not absolute and all(part == ".." for part in parts):
        return "is a folder above the repository; name a folder of its own, e.g. '../worktrees'"
    return None


def _execution(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    execution = ctx.model.execution
    if execution.worktree_dir is not None:
        problem = worktree_dir_problem(execution.worktree_dir)
        if problem:
            findings.append(
                finding(
                    "WS204",
                    f"execution.worktree_dir '{execution.worktree_dir}' {problem}.",
                    ctx.span(("execution", "worktree_dir")),
                )
            )
    for position, entry in enumerate(execution.copy):
        problem = copy_problem(entry)
        if problem:
            findings.append(
                finding(
                    "WS205",
                    f"execution.copy entry '{entry}' {problem}.",
                    ctx.span(("execution", "copy", position)),
                )
            )
    for position, entry in enumerate(execution.writable):
        problem = writable_problem(entry)
        if problem:
            findings.append(
                finding(
                    "WS207",
                    f"execution.writable entry '{entry}' {problem}.",
                    ctx.span(("execution", "writable", position)),
                )
            )
    return findings


def copy_problem(entry: str) -> str | None:
    """Why an ``execution.copy`` entry cannot be used, or None."""
    if "\0" in entry:
        return "holds a NUL character"
    if entry.startswith(("/", "\\", "~")) or entry[1:2] == ":":
        return "must be a path relative to the repository root"
    parts = _parts(entry)
    if ".." in parts:
        return "leaves the repository ('..')"
    if parts and parts[0] == ".git":
        return "is inside .git"
    return None


def writable_problem(entry: str) -> str | None:
    """Why a ``writable`` entry cannot be used, or None."""
    if "\0" in entry:
        return "holds a NUL character"
    if not entry.startswith(("/", "~/")):
        return "must be an absolute path or start with '~/'"
    if not _parts(entry[1:]):
        return "is the whole file system or your whole home folder; name a folder of its own"
    if ".." in _parts(entry):
        return "must not contain '..'"
    return None


def _step(ctx: Context, step: Step) -> list[Finding]:
    findings: list[Finding] = []
    for position, pattern in enumerate(step.files or ()):
        if pattern.startswith("-") or "\0" in pattern:
            findings.append(
                finding(
                    "WS206",
                    f"Step '{step.id}' has the file scope '{pattern}': an entry cannot start "
                    "with '-' or hold a NUL (it is passed to tools as an argument). Write "
                    f"'./{pattern}' if the file's name really starts with '-'.",
                    ctx.file_span(step, position),
                    step=step.id,
                )
            )
    for position, entry in enumerate(step.writable):
        problem = writable_problem(entry)
        if problem:
            findings.append(
                finding(
                    "WS207",
                    f"Step '{step.id}': writable entry '{entry}' {problem}.",
                    ctx.span(("steps", step.index, "writable", position)),
                    step=step.id,
                )
            )
    for name, value in step.env.items():
        problem = env_problem(name, value)
        if problem:
            findings.append(
                finding(
                    "WS304",
                    f"Step '{step.id}': env '{name}' {problem}.",
                    ctx.span(("steps", step.index, "env", name)),
                    step=step.id,
                )
            )
    return findings


def env_problem(name: str, value: str) -> str | None:
    """Why an ``env`` entry cannot be used, or None."""
    if not _ENV_NAME.fullmatch(name):
        return "is not a valid variable name (letters, digits and '_', not starting with a digit)"
    if "\0" in value:
        return "has a value holding a NUL character"
    if _GIT_REDIRECTS.fullmatch(name):
        return "would redirect git or make it run a command; the executor removes it"
    return None
