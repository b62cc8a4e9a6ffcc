"""Hover on one candidate of a step (the object in ``"candidates": [...]``, or any key or value
inside it): what that candidate runs, as the step with its overrides (which of ``tool``,
``run``, ``tasks`` and ``env`` it changes and from what), how many times, how the step
chooses among its candidates, and after a run how each of its runs ended: its outcome, its
score, whether it was selected and the branch its work is kept on.

The candidate's runs are numbered as the executor numbers them (every candidate times its
attempts, from 1), so the state's entries are matched by that number. Nothing here loads the
executor.
"""

from __future__ import annotations

from typing import Any

from workstream.candidates import FIRST, Candidate
from workstream.findings import Span
from workstream.jsonc import ParsedJson
from workstream.lsp.query import path_at
from workstream.lsp.statuses import StepStatus
from workstream.model import Step


def candidate_at(parsed: ParsedJson, offset: int) -> tuple[int, int, Span] | None:
    """``(step index, candidate index, the candidate object's span)`` when ``offset`` lies in
    a candidate object of a step (on its braces, a key or a value inside it)."""
    path, on_key = path_at(parsed, offset)
    if len(path) < 4 or path[0] != "steps" or path[2] != "candidates":
        return None
    step_index, index = path[1], path[3]
    if not isinstance(step_index, int) or not isinstance(index, int):
        return None
    if len(path) == 4 and on_key:
        return None
    span = parsed.span(path[:4])
    return None if span is None else (step_index, index, span)


def _code(value: str | tuple[str, ...] | None) -> str:
    if value is None:
        return "none"
    text = value if isinstance(value, str) else " ".join(value)
    text = " ".join(text.split())
    text = text if len(text) <= 80 else text[:79] + "…"
    quoted = text.replace("`", "'")
    return f"`{quoted}`"


def _tasks(tasks: tuple[str, ...]) -> str:
    return " / ".join(_code(t) for t in tasks) if tasks else "none"


def first_run(step: Step, candidate: Candidate) -> int:
    """The number (from 1) of the candidate's first run among all the step's runs."""
    before = [c for c in step.candidates if c.index < candidate.index]
    return 1 + sum(c.attempts for c in before)


def describe_candidate(step: Step, index: int, entry: StepStatus | None) -> str | None:
    """Markdown for candidate ``index`` (its position in ``candidates``) of ``step``; None when
    that entry is not a candidate (not an object)."""
    candidate = next((c for c in step.candidates if c.index == index), None)
    if candidate is None:
        return None
    order = step.candidates.index(candidate) + 1
    first = first_run(step, candidate)
    runs = list(range(first, first + candidate.attempts))
    lines = [f"**{step.id}: candidate {order} of {len(step.candidates)}** — {candidate.label()}"]
    lines.append("")
    lines.extend(_definition(step, candidate))
    if candidate.attempts > 1:
        numbers = ", ".join(str(n) for n in runs)
        lines.append(f"- attempts: {candidate.attempts} runs of this definition (runs {numbers})")
    chosen = (step.select or FIRST).describe()
    lines.append(f"- the step's result: {chosen}, among the candidates that pass its tests")
    ran = {r.get("n"): r for r in (entry.candidates if entry is not None else ())}
    recorded = [(n, ran[n]) for n in runs if n in ran]
    if not recorded:
        lines.append("- last run: not run yet")
    for n, record in recorded:
        what = f"run {n}" if candidate.attempts > 1 or n != order else f"candidate {n}"
        lines.append(f"- last run ({what}): " + _outcome(record))
    return "\n".join(lines)


def _definition(step: Step, candidate: Candidate) -> list[str]:
    """What the candidate runs, each setting with where it comes from."""
    lines: list[str] = []
    if candidate.tool is not None and candidate.tool != step.tool:
        lines.append(f"- tool: `{candidate.tool}` (instead of the step's `{step.tool}`)")
    else:
        lines.append(f"- tool: `{step.tool}` (the step's)")
    if candidate.run is not None:
        was = f"instead of the step's {_code(step.run)}" if step.run else "the step has none"
        lines.append(f"- run: {_code(candidate.run)} ({was})")
    elif step.run is not None:
        lines.append(f"- run: {_code(step.run)} (the step's)")
    if candidate.tasks is not None:
        was = f"instead of the step's {_tasks(step.tasks)}" if step.tasks else "the step has none"
        lines.append(f"- tasks: {_tasks(candidate.tasks)} ({was})")
    elif step.tasks:
        lines.append(f"- tasks: {_tasks(step.tasks)} (the step's)")
    env = {**step.env, **candidate.env}
    if env:
        parts = []
        for key, value in env.items():
            if key not in candidate.env:
                how = "the step's"
            elif key in step.env and step.env[key] != value:
                how = f"instead of the step's `{step.env[key]}`"
            else:
                how = "added"
            parts.append(f"`{key}={value}` ({how})")
        lines.append("- env: " + ", ".join(parts))
    lines.append("- `WORKSTREAM_CANDIDATE`: its run's number, in its environment")
    return lines


def _outcome(record: dict[str, Any]) -> str:
    parts = [str(record.get("status") or "queued")]
    score = record.get("score")
    if isinstance(score, int | float) and not isinstance(score, bool):
        parts.append(f"score {score:g}")
    parts.append(
        "**selected** (its commit is the step's result)"
        if record.get("selected")
        else "not selected"
    )
    if record.get("branch"):
        parts.append(f"branch `{record['branch']}`")
    message = str(record.get("message") or "").strip()
    if message and record.get("status") != "succeeded":
        parts.append(message.splitlines()[0][:120])
    return ", ".join(parts)
