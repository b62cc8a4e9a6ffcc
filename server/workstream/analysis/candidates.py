"""Candidates (``candidates``, ``select``): what makes one unusable.

- WS308 (error): a candidate that cannot run, judged as the step it becomes (the step with
  the candidate's overrides): an unknown ``tool`` (on the candidate's ``tool``, with "did you
  mean"), a ``shell`` candidate with no ``run`` or an AI tool's without ``tasks`` (on the
  candidate object), an ``env`` entry that is not a usable variable (on its key or value);
- WS309 (warning): ``select`` on a step without ``candidates``: there is nothing to choose
  among (on ``select``).

The step's own WS303 (no ``run``, no ``tasks``) is not reported for a step with candidates:
what runs is each candidate, and each is judged here.
"""

from __future__ import annotations

import difflib

from workstream.analysis.context import Context
from workstream.analysis.path_rules import env_name_problem, env_value_problem, shown
from workstream.builtin_tools import BUILTIN
from workstream.candidates import Candidate
from workstream.findings import Finding, finding
from workstream.model import Step


def check(ctx: Context) -> list[Finding]:
    """WS308 and WS309."""
    findings: list[Finding] = []
    tools = ctx.model.tool_names()
    for step in ctx.model.steps:
        if not step.id or (not step.candidates and step.select is None):
            continue
        if step.select is not None and not step.candidates:
            findings.append(
                finding(
                    "WS309",
                    f'Step \'{step.id}\' has "select" but no "candidates": there is nothing '
                    'to choose among. Add "candidates", or remove "select".',
                    ctx.span(("steps", step.index, "select")),
                    step=step.id,
                )
            )
        for candidate in step.candidates:
            findings.extend(_candidate(ctx, step, candidate, tools))
    return findings


def _candidate(ctx: Context, step: Step, candidate: Candidate, tools: list[str]) -> list[Finding]:
    where = ("steps", step.index, "candidates", candidate.index)
    name = f"Step '{step.id}', candidate {candidate.index + 1}"
    tool = candidate.tool or step.tool
    findings: list[Finding] = []
    if tool not in tools:
        if candidate.tool is not None:  # the step's own unknown tool is WS302's
            close = difflib.get_close_matches(tool, tools, n=3)
            hint = f" Did you mean '{close[0]}'?" if close else f" Known tools: {', '.join(tools)}."
            findings.append(
                finding(
                    "WS308",
                    f"{name} uses the unknown tool '{shown(tool)}'.{hint}",
                    ctx.span((*where, "tool")),
                    step=step.id,
                    suggestions=close,
                )
            )
    elif tool == "shell":
        if (candidate.run or step.run) is None:
            findings.append(
                finding(
                    "WS308",
                    f'{name} runs with the shell tool but neither it nor the step has a "run" '
                    'command. Give it "run".',
                    ctx.span(where),
                    step=step.id,
                )
            )
    else:
        tasks = candidate.tasks if candidate.tasks is not None else step.tasks
        defined = ctx.model.tools.get(tool) or BUILTIN.get(tool)
        template = defined.command if defined is not None else ()
        if not tasks and any("{prompt}" in item for item in template):
            findings.append(
                finding(
                    "WS308",
                    f"{name} uses the tool '{tool}', which needs a prompt, but neither it nor "
                    'the step has "tasks". Give it "tasks": ["what to do"].',
                    ctx.span(where),
                    step=step.id,
                )
            )
    for key, value in candidate.env.items():
        problem = env_name_problem(key)
        if problem:
            span = ctx.parsed.key_span((*where, "env", key)) or ctx.span((*where, "env"))
        else:
            problem = env_value_problem(value)
            span = ctx.span((*where, "env", key))
        if problem:
            findings.append(
                finding("WS308", f"{name}: env '{shown(key)}' {problem}.", span, step=step.id)
            )
    return findings
