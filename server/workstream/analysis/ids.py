"""Step definitions: duplicate ids (WS101), ids git cannot use or too long (WS301), tools
(WS302, WS303)."""

from __future__ import annotations

import difflib
import re

from workstream.analysis.context import Context
from workstream.findings import Finding, Related, finding
from workstream.model import Step

# One component of a git ref name (git check-ref-format): no control characters, space,
# ~ ^ : ? * [ \ or "..", "@{"; not starting with "." or "-"; not ending with "." or ".lock".
# "/" is refused too, since an id is a single component of the branch name.
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\/]|\.\.|@\{|^[.-]|\.$|\.lock$|^@$")
# The same rule over newline-separated ids at once (an id holding a newline is checked apart).
_ANY_BAD_REF = re.compile(
    r"[\x00-\x09\x0b-\x20\x7f~^:?*\[\\/]|\.\.|@\{|^[.-]|\.$|\.lock$|^@$", re.MULTILINE
)


#: The longest id: an id names a branch component, a state folder, a worktree folder and log
#: files (``<step>.transcript.md``), each a file name of at most 255 bytes (NAME_MAX).
MAX_ID_LENGTH = 100


def ref_problem(name: str) -> str | None:
    """Why ``name`` cannot be one component of a git branch name, or None when it can
    (one longer than :data:`MAX_ID_LENGTH` characters cannot: it makes file names too long)."""
    if len(name) > MAX_ID_LENGTH:
        return f"it is {len(name)} characters long, more than {MAX_ID_LENGTH}"
    match = _BAD_REF.search(name)
    if match is None:
        return None
    found = match.group()
    if found in ("..", "@{", "@"):
        return f"it contains '{found}'"
    if found == ".lock":
        return "it ends with '.lock'"
    if match.start() == 0 and found in ".-":
        return f"it starts with '{found}'"
    if found == "." and match.end() == len(name):
        return "it ends with '.'"
    if found == " ":
        return "it contains a space"
    if found < " " or found == "\x7f":
        return "it contains a control character"
    return f"it contains '{found}'"


def _shown(name: str) -> str:
    """An id as a message quotes it: a long one cut after 40 characters."""
    return name if len(name) <= 60 else name[:40] + "…"


def check(ctx: Context) -> list[Finding]:
    """WS101, WS301, WS302 and WS303."""
    findings: list[Finding] = []
    model = ctx.model
    if model.id:
        problem = ref_problem(model.id)
        if problem:
            findings.append(
                finding(
                    "WS301",
                    f"The workstream id '{_shown(model.id)}' cannot be part of a git branch name: "
                    f"{problem}. Use letters, digits, '-', '_' and '.'.",
                    ctx.span(("id",)),
                )
            )
    named = [step for step in model.steps if step.id]
    tools = model.tool_names()
    # Each check first finds its (usually zero) offenders with one pass at C speed.
    if len(named) != len(ctx.graph.ids):
        findings.extend(_duplicates(ctx, named))
    if _ANY_BAD_REF.search("\n".join(step.id for step in named)) or any(
        "\n" in step.id or len(step.id) > MAX_ID_LENGTH for step in named
    ):
        findings.extend(_bad_ids(ctx, named))
    known = set(tools)
    for step in named:
        if step.tool not in known:
            findings.append(_unknown_tool(ctx, step, tools))
    unrunnable = [
        step
        for step in named
        if (step.run is None if step.tool == "shell" else not step.tasks)
        and step.tool in known
        and not step.candidates  # each candidate is judged instead (WS308)
    ]
    for step in unrunnable:
        findings.extend(_runnable(ctx, step))
    return findings


def _duplicates(ctx: Context, named: list[Step]) -> list[Finding]:
    """WS101: every definition of an id after its first, pointing back at the first."""
    findings = []
    first: dict[str, Step] = {}
    for step in named:
        original = first.setdefault(step.id, step)
        if original is step:
            continue
        findings.append(
            finding(
                "WS101",
                f"Step id '{step.id}' is already used by step #{original.index + 1}. "
                "Step ids must be unique: rename this one.",
                ctx.step_id_span(step),
                (Related(ctx.step_id_span(original), f"'{step.id}' is first defined here"),),
                step=step.id,
            )
        )
    return findings


def _bad_ids(ctx: Context, named: list[Step]) -> list[Finding]:
    """WS301 for each step id git cannot use."""
    findings = []
    for step in named:
        problem = ref_problem(step.id)
        if problem:
            findings.append(
                finding(
                    "WS301",
                    f"Step id '{_shown(step.id)}' cannot be part of a git branch name: {problem}. "
                    "Use letters, digits, '-', '_' and '.'.",
                    ctx.step_id_span(step),
                    step=step.id,
                )
            )
    return findings


def _unknown_tool(ctx: Context, step: Step, tools: list[str]) -> Finding:
    """WS302, with the close tool names."""
    close = difflib.get_close_matches(step.tool, tools, n=3)
    hint = (
        f" Did you mean '{close[0]}'?"
        if close
        else f' Known tools: {", ".join(tools)}; define others under "tools".'
    )
    return finding(
        "WS302",
        f"Step '{step.id}' uses the unknown tool '{step.tool}'.{hint}",
        ctx.span(("steps", step.index, "tool")),
        step=step.id,
        suggestions=close,
    )


def _runnable(ctx: Context, step: Step) -> list[Finding]:
    """WS303: a shell step needs ``run``; an AI tool that takes a prompt needs ``tasks``."""
    if step.tool == "shell":
        if step.run is not None:
            return []
        message = (
            f"Step '{step.id}' runs with the shell tool but has no \"run\" command. "
            'Add "run", or set "tool" to an AI tool that takes its "tasks".'
        )
    else:
        command = ctx.model.tool_command(step) or ()
        if step.tasks or not any("{prompt}" in item for item in command):
            return []
        message = (
            f"Step '{step.id}' uses the tool '{step.tool}', which needs a prompt, but has no "
            '"tasks". Add "tasks": ["what to do"].'
        )
    return [finding("WS303", message, ctx.step_id_span(step), step=step.id)]
