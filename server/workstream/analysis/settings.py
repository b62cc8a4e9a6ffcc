"""Settings that name paths or set a step's environment: what a run could be turned against.

- WS204: ``execution.worktree_dir`` must lead outside the working tree (``../something`` or
  ``~/something``), and not be the repository's parent itself.
- WS205: ``execution.copy`` entries are repository-relative, without ``..``, ``~`` or ``.git``.
- WS206: a ``files`` entry must not start with ``-`` (it would become an option of an AI tool)
  nor hold a NUL.
- WS207: ``writable`` entries (execution and step) are absolute or ``~/`` folders, never ``/``
  or ``~`` themselves.
- WS209: a conditional ``execution`` setting (``"${env.…}"``) that is not an expression we
  read; WS210: one that resolves, in this process's environment, to a value of the wrong type.
- WS211: ``execution.reuse`` that is not ``false``, ``"clean"`` or ``"keep-ignored"`` (``true``
  does not say which; a misspelt mode gets "did you mean").
- WS212: ``execution.max_file_size`` written as a size (``"100MiB"``) that is 0 or over 1 TiB
  (the schema bounds a number of bytes; its WS002 covers that and other shapes).
- WS304: ``env`` names are ``[A-Za-z_][A-Za-z0-9_]*``, values hold no NUL, and no name would
  redirect git (``GIT_DIR``, ``GIT_CONFIG*``…): all errors.

The rules themselves are in :mod:`workstream.analysis.path_rules`; this module walks the raw
document (so a finding points at the offending string even beside values of the wrong type,
which are WS002's) and reports them. The executor checks the same things again on the disk.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from workstream.analysis.context import Context
from workstream.analysis.path_rules import (
    copy_problem,
    env_name_problem,
    env_value_problem,
    shown,
    worktree_dir_problem,
    writable_problem,
)
from workstream.conditions import resolve_execution
from workstream.findings import Finding, finding
from workstream.model import Step
from workstream.model_values import MAX_FILE_SIZE, REUSE_MODES
from workstream.sizes import SIZE, parse_size


def check(ctx: Context) -> list[Finding]:
    """WS204-WS207, WS209-WS212 and WS304."""
    findings = _execution(ctx)
    steps = ctx.model.steps
    # One scan at C speed over every files entry: do any start with '-' or hold a NUL?
    joined = "\n" + "\n".join(chain.from_iterable(step.files for step in steps if step.files))
    files_suspect = "\n-" in joined or "\0" in joined
    for step in steps:
        if step.writable or step.env or (files_suspect and step.files):
            findings.extend(_step(ctx, step))
    return findings


def _strings(raw: Any) -> Iterator[tuple[int, str]]:
    """The string items of a raw array, with their positions in it."""
    if isinstance(raw, list):
        for position, item in enumerate(raw):
            if isinstance(item, str):
                yield position, item


def _listed(
    ctx: Context,
    path: tuple[str | int, ...],
    rule: Callable[[str], str | None],
    code: str,
    say: Callable[[str, str], str],
    **data: object,
) -> Iterator[Finding]:
    """One finding per string of the raw array at ``path`` that ``rule`` refuses."""
    raw: Any = ctx.parsed.value
    for part in path:
        raw = raw.get(part) if isinstance(raw, dict) else raw[part]
    for position, entry in _strings(raw):
        problem = rule(entry)
        if problem:
            yield finding(code, say(entry, problem), ctx.span((*path, position)), (), **data)


def _execution(ctx: Context) -> list[Finding]:
    raw = ctx.parsed.value.get("execution")
    if not isinstance(raw, dict):
        return []
    findings: list[Finding] = []
    for key, resolved in resolve_execution(raw, os.environ).items():
        if resolved.problem:
            findings.append(
                finding(
                    "WS209" if resolved.malformed else "WS210",
                    f"execution.{key} '{shown(resolved.text)}' {resolved.problem}.",
                    ctx.span(("execution", key)),
                )
            )
    if "reuse" in raw:
        problem = _reuse_problem(raw["reuse"])
        if problem:
            findings.append(finding("WS211", problem, ctx.span(("execution", "reuse"))))
    size = raw.get("max_file_size")
    if isinstance(size, str) and SIZE.fullmatch(size):  # another shape: the schema's WS002
        value = parse_size(size)
        if value is None or value > MAX_FILE_SIZE:
            findings.append(
                finding(
                    "WS212",
                    f"execution.max_file_size '{shown(size)}' is not a size from 1 byte to "
                    "1 TiB; the limit stays at its default, 100 MiB.",
                    ctx.span(("execution", "max_file_size")),
                )
            )
    worktree_dir = raw.get("worktree_dir")
    if isinstance(worktree_dir, str):  # the raw value: the model reads "" as "not set"
        problem = worktree_dir_problem(worktree_dir)
        if problem:
            findings.append(
                finding(
                    "WS204",
                    f"execution.worktree_dir '{shown(worktree_dir)}' {problem}.",
                    ctx.span(("execution", "worktree_dir")),
                )
            )
    findings.extend(
        _listed(
            ctx,
            ("execution", "copy"),
            copy_problem,
            "WS205",
            lambda entry, problem: f"execution.copy entry '{shown(entry)}' {problem}.",
        )
    )
    findings.extend(
        _listed(
            ctx,
            ("execution", "writable"),
            writable_problem,
            "WS207",
            lambda entry, problem: f"execution.writable entry '{shown(entry)}' {problem}.",
        )
    )
    return findings


def _reuse_problem(value: Any) -> str | None:
    """Why ``execution.reuse`` cannot be used, or None."""
    if value is False or value in REUSE_MODES:
        return None
    modes = "false (a fresh worktree per step), 'clean' or 'keep-ignored'"
    if value is True:
        return f"execution.reuse true does not say which reuse: use {modes}."
    if isinstance(value, str):
        close = difflib.get_close_matches(value.strip().lower().replace("_", "-"), REUSE_MODES, 1)
        hint = f" Did you mean '{close[0]}'?" if close else f" Use {modes}."
        return f"execution.reuse '{shown(value)}' is not a reuse mode.{hint}"
    return None  # another type: the schema's WS002


def _step(ctx: Context, step: Step) -> list[Finding]:
    findings: list[Finding] = []
    where = ("steps", step.index)
    for pattern in step.files or ():
        if pattern.startswith("-") or "\0" in pattern:
            findings.extend(
                _listed(
                    ctx,
                    (*where, "files"),
                    _files_problem,
                    "WS206",
                    lambda entry, problem: (
                        f"Step '{step.id}' has the file scope '{shown(entry)}': {problem}."
                    ),
                    step=step.id,
                )
            )
            break
    findings.extend(
        _listed(
            ctx,
            (*where, "writable"),
            writable_problem,
            "WS207",
            lambda entry, problem: f"Step '{step.id}': writable entry '{shown(entry)}' {problem}.",
            step=step.id,
        )
    )
    for name, value in step.env.items():
        problem = env_name_problem(name)
        if problem:
            span = ctx.parsed.key_span((*where, "env", name)) or ctx.span((*where, "env"))
        else:
            problem = env_value_problem(value)
            span = ctx.span((*where, "env", name))
        if problem:
            message = f"Step '{step.id}': env '{shown(name)}' {problem}."
            findings.append(finding("WS304", message, span, step=step.id))
    return findings


def _files_problem(pattern: str) -> str | None:
    if "\0" in pattern:
        return "an entry cannot hold a NUL character"
    if pattern.startswith("-"):
        return (
            "an entry cannot start with '-' (tools receive it as an argument, where it would "
            f"be an option). Write './{shown(pattern)}' if the file's name really starts "
            "with '-'"
        )
    return None
