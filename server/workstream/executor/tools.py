"""Turn a step into the command lines it runs, and into a fingerprint for ``--resume``.

Placeholders (``{prompt}``, ``{files}``, ``{step_id}``, ``{workstream_id}``,
``{transcript}``) are replaced inside argv items in a single pass, never through a shell, so a
prompt may hold quotes, ``$``, backticks or braces — including a literal ``{files}`` — and
reach the tool unchanged. An item that is exactly ``{files}`` expands to one item per scope
entry (none without a scope). ``{transcript}`` is the file next to the step's log where the
tool keeps its conversation.

Arguments stay arguments: a prompt or a file that starts with ``-`` and would reach the tool
as an item of its own, with no ``--`` before it in the template, is refused
(:func:`option_hazard`) rather than read by the tool as one of its options.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from workstream.builtin_tools import bare_placeholder
from workstream.model import Step, Workstream

_PLACEHOLDER = re.compile(r"\{(prompt|files|step_id|workstream_id|transcript)\}")


def user_shell() -> str:
    """The user's shell (``$SHELL``) when it exists, else ``/bin/sh``."""
    shell = os.environ.get("SHELL", "")
    return shell if shell and Path(shell).is_file() else "/bin/sh"


def shell_argv(command: str, shell: str | None = None) -> list[str]:
    """Run a command string through the user's shell."""
    return [shell or user_shell(), "-c", command]


def substitute(
    template: Sequence[str], values: Mapping[str, str], files: Sequence[str]
) -> list[str]:
    """Fill an argv template: placeholders replaced inside items, ``{files}`` items expanded."""
    argv: list[str] = []
    for item in template:
        if item == "{files}":
            argv.extend(files)
            continue
        argv.append(
            _PLACEHOLDER.sub(
                lambda m: " ".join(files) if m.group(1) == "files" else values[m.group(1)], item
            )
        )
    return argv


def step_argv(
    model: Workstream, step: Step, shell: str | None = None, transcript: str = os.devnull
) -> list[str]:
    """The command line of a step's tool."""
    if step.tool == "shell":
        if isinstance(step.run, str):
            return shell_argv(step.run, shell)
        return list(step.run or ())
    template = model.tool_command(step)
    if template is None:  # the analysis refuses unknown tools; this is a last guard
        raise ValueError(f"step {step.id!r}: unknown tool {step.tool!r}")
    values = {
        "prompt": step.prompt,
        "step_id": step.id,
        "workstream_id": model.id,
        "transcript": transcript,
    }
    return substitute(template, values, step.files or ())


def uses_transcript(template: Sequence[str]) -> bool:
    """Whether a tool's argv template names ``{transcript}``."""
    return any("{transcript}" in item for item in template)


def option_hazard(model: Workstream, step: Step) -> str | None:
    """Why this step's prompt or files would reach its tool as options, or None."""
    template = model.tool_command(step)
    if step.tool == "shell" or template is None:
        return None
    if step.prompt.startswith("-") and bare_placeholder(template, "{prompt}") is not None:
        return (
            f"its prompt starts with '-' and tool {step.tool!r} takes it as an argument of "
            'its own, where the tool would read it as an option; put "--" before '
            '"{prompt}" in the tool\'s command (or pass it as --option={prompt})'
        )
    dashed = [f for f in step.files or () if f.startswith("-")]
    if dashed and bare_placeholder(template, "{files}") is not None:
        return (
            f"its files entry {dashed[0]!r} starts with '-' and tool {step.tool!r} would "
            'read it as an option; put "--" before "{files}" in the tool\'s command'
        )
    return None


def fingerprint(model: Workstream, step: Step) -> str:
    """A hash of everything that shapes a step's result except its start point.

    Description, timeout and retries do not change what a success produces, so editing them
    keeps a step up to date for ``--resume``; dependencies count through the start point.
    """
    execution = model.execution
    data = {
        "tool": step.tool,
        "command": list(model.tool_command(step) or ()),
        "tasks": list(step.tasks),
        "run": step.run if isinstance(step.run, str) or step.run is None else list(step.run),
        "files": None if step.files is None else list(step.files),
        "acceptance_tests": list(step.acceptance_tests),
        "env": dict(sorted(step.env.items())),
        "setup": execution.setup,
        "copy": list(execution.copy),
    }
    if step.candidates:  # only then: the fingerprints of other steps stay as they were
        data["candidates"] = json.dumps(
            [
                [c.tool, c.tasks, c.run, dict(sorted(c.env.items())), c.attempts]
                for c in step.candidates
            ]
        )
        data["select"] = repr(step.select)
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def show_argv(argv: Sequence[str]) -> str:
    """An argv shown shell-quoted, for the log."""
    import shlex

    shown = shlex.join(argv)
    return shown if len(shown) <= 4000 else shown[:3997] + "..."
