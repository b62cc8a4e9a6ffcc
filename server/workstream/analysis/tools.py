"""Tool definitions: what a tool keeps for itself, what it may write, how it takes its prompt.

- WS208: a tool's ``bookkeeping`` entry that is not a usable repository-relative glob (it
  would leave the repository, reach ``.git``, or hide every change of every step), or a
  ``writable`` entry refused as ``execution.writable``'s are (WS207's rules).
- WS305: a tool's command passes ``{prompt}`` or ``{files}`` as an argument of its own with
  no ``--`` before it (a warning on the template);
- WS307: a step whose task starts with ``-`` for such a tool (an error: the run refuses it,
  the tool would read it as an option; files entries with ``-`` are WS206 already); for a
  step with candidates, each candidate as the step it becomes (its ``tasks`` and ``tool``
  overrides), on the candidate's own entry.
- WS306: an unknown ``{placeholder}`` in a tool's command (a warning: it reaches the tool as
  written).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from workstream.analysis.context import Context
from workstream.analysis.path_rules import copy_problem, shown, writable_problem
from workstream.builtin_tools import bare_placeholder
from workstream.findings import Finding, finding
from workstream.model import Step

PLACEHOLDERS = ("prompt", "files", "step_id", "workstream_id", "transcript")
_BRACED = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def check(ctx: Context) -> list[Finding]:
    """WS208, WS305, WS306 and WS307."""
    findings: list[Finding] = []
    raw = ctx.parsed.value.get("tools")
    if isinstance(raw, dict):
        for name, spec in raw.items():
            if isinstance(spec, dict):
                findings.extend(_tool(ctx, name, spec))
    for step in ctx.model.steps:
        if step.candidates:  # what runs is each candidate, judged as the step it becomes
            findings.extend(_candidate_hazards(ctx, step))
        elif step.tool != "shell" and _dashed(step):
            hazard = _step_hazard(ctx, step)
            if hazard is not None:
                findings.append(hazard)
    return findings


def _candidate_hazards(ctx: Context, step: Step) -> list[Finding]:
    """WS307 for each candidate whose task (its own or the step's) starts with '-' for a
    tool (its own or the step's) that takes the prompt bare: on the candidate's ``tasks[0]``
    when it gives tasks, else on its ``tool`` when it gives one, else on the step's
    ``tasks[0]`` (once, however many candidates inherit both)."""
    findings: list[Finding] = []
    seen: set[tuple[str | int, ...]] = set()
    for candidate in step.candidates:
        tasks = candidate.tasks if candidate.tasks is not None else step.tasks
        unit = replace(step, tool=candidate.tool or step.tool, tasks=tasks, candidates=())
        template = ctx.model.tool_command(unit)
        if unit.tool == "shell" or template is None or not unit.prompt.startswith("-"):
            continue
        if bare_placeholder(template, "{prompt}") is None:
            continue
        own: tuple[str | int, ...] = ("steps", step.index, "candidates", candidate.index)
        if candidate.tasks is not None:
            where: tuple[str | int, ...] = (*own, "tasks", 0)
        elif candidate.tool is not None:
            where = (*own, "tool")
        else:
            where = ("steps", step.index, "tasks", 0)
        if where in seen:
            continue
        seen.add(where)
        message = (
            f"Step '{step.id}', candidate {candidate.index + 1}: its task starts with '-', and "
            f"tool '{unit.tool}' takes the prompt as an argument of its own, where it would be "
            'read as an option. Put "--" before "{prompt}" in the tool\'s command, or reword '
            "the task."
        )
        findings.append(finding("WS307", message, ctx.span(where), step=step.id))
    return findings


def bookkeeping_problem(entry: str) -> str | None:
    """Why a ``bookkeeping`` entry cannot be used, or None."""
    if entry.startswith("-"):
        return "starts with '-'"
    problem = copy_problem(entry)
    if problem is None:
        return None
    if problem.startswith("is the whole repository") or problem.startswith("would also copy"):
        return "would hide every change a step makes; name the tool's own files, e.g. '.aider*'"
    if problem.startswith("is inside .git"):
        return "is inside .git, which is never part of a step's changes"
    return problem.replace("copy only files inside it", "name files inside it")


def _tool(ctx: Context, name: str, spec: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    where: tuple[str | int, ...] = ("tools", name)
    for key, rule, code in (
        ("bookkeeping", bookkeeping_problem, "WS208"),
        ("writable", writable_problem, "WS208"),
    ):
        entries = spec.get(key)
        for position, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, str):
                problem = rule(entry)
                if problem:
                    message = f"Tool '{name}': {key} entry '{shown(entry)}' {problem}."
                    findings.append(finding(code, message, ctx.span((*where, key, position))))
    command = spec.get("command")
    if not isinstance(command, list):
        return findings
    for placeholder, what in (("{prompt}", "prompt"), ("{files}", "file")):
        bare = bare_placeholder(command, placeholder)
        if bare is not None:
            message = (
                f"Tool '{name}' passes {placeholder} as an argument of its own with no '--' "
                f"before it: a {what} that starts with '-' would be read as an option, so "
                f'such steps are refused. Put "--" before it'
                + (' or write "--option={prompt}".' if what == "prompt" else ".")
            )
            findings.append(finding("WS305", message, ctx.span((*where, "command", bare))))
    for position, item in enumerate(command):
        if not isinstance(item, str):
            continue
        unknown = [m for m in _BRACED.findall(item) if m not in PLACEHOLDERS]
        if unknown:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            message = (
                f"Tool '{name}': '{{{unknown[0]}}}' is not a placeholder and reaches the tool "
                f"as written. Known: {known}."
            )
            findings.append(finding("WS306", message, ctx.span((*where, "command", position))))
    return findings


def _dashed(step: Step) -> bool:
    return step.prompt.startswith("-") or any(f.startswith("-") for f in step.files or ())


def _step_hazard(ctx: Context, step: Step) -> Finding | None:
    """The error of a step whose prompt or files would reach its tool as options."""
    template = ctx.model.tool_command(step)
    if template is None:
        return None
    if step.prompt.startswith("-") and bare_placeholder(template, "{prompt}") is not None:
        message = (
            f"Step '{step.id}': its task starts with '-', and tool '{step.tool}' takes the "
            'prompt as an argument of its own, where it would be read as an option. Put "--" '
            'before "{prompt}" in the tool\'s command, or reword the task.'
        )
        return finding("WS307", message, ctx.span(("steps", step.index, "tasks", 0)), step=step.id)
    return None  # a files entry with '-' is WS206 already
