"""What ``run`` prints before it starts: the checks it passed (:func:`checks_passed`, one line
each with what they counted), then what ``check`` warns about, said as what may happen to this
run.

A file conflict (WS201) is reported once per pair of steps that both run in this plan, as
``step-a and step-b both write common.py: their results may conflict``; every other warning
of the file is printed as ``check`` prints it (``path:line:col: warning: message [code]``).
Nothing is asked: the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from workstream.commands.check import format_row, rows_of
from workstream.executor.plan import Plan
from workstream.findings import Finding, Severity


def plan_warnings(
    shown: str, text: str, findings: Iterable[Finding], planned: Iterable[str]
) -> list[str]:
    """One line per warning that concerns the planned steps, file conflicts first."""
    steps = set(planned)
    conflicts: dict[frozenset[str], tuple[tuple[str, str], list[str]]] = {}
    others: list[Finding] = []
    for found in findings:
        if found.severity is not Severity.WARNING:
            continue
        if found.code != "WS201":
            others.append(found)
            continue
        step = found.data.get("step")
        clashing = found.data.get("conflicts")
        if not isinstance(step, str) or not isinstance(clashing, list):
            others.append(found)
            continue
        entry = _entry_text(text, found)
        for other in clashing:
            if not isinstance(other, str) or step not in steps or other not in steps:
                continue
            key = frozenset((step, other))
            _, files = conflicts.setdefault(key, ((step, other), []))
            if entry and entry not in files:
                files.append(entry)
    lines = [
        f"{a} and {b} both write {' and '.join(files) or 'the same files'}: "
        "their results may conflict (make one depend on the other)"
        for (a, b), files in conflicts.values()
    ]
    lines += [format_row(row) for row in rows_of(shown, text, others)]
    return lines


def _entry_text(text: str, found: Finding) -> str:
    """The ``files`` entry a WS201 points at, without its JSON quotes."""
    raw = text[found.span.start : found.span.end]
    try:
        value = json.loads(raw)
    except ValueError:
        return raw.strip('"')
    return value if isinstance(value, str) else raw


def checks_passed(findings: Iterable[Finding], plan: Plan, files_scoped: int) -> list[str]:
    """The checks a run passed before it starts, one line each, with what they counted."""
    planned = set(plan.steps)
    conflicts = {
        frozenset((str(f.data.get("step")), str(other)))
        for f in findings
        if f.code == "WS201" and f.data.get("step") in planned
        for other in f.data.get("conflicts") or ()  # type: ignore[attr-defined]
        if other in planned
    }
    scopes = "no conflicts" if not conflicts else f"{plural(len(conflicts), 'possible conflict')}"
    edges = len(plan.edges)
    deps = f"{edges} {'dependency' if edges == 1 else 'dependencies'}"
    return [
        "✓ schema: valid",
        f"✓ file scopes: {files_scoped} of {plural(len(plan.steps), 'step')} scoped, {scopes}",
        f"✓ graph: {plural(len(plan.steps), 'step')}, {deps}, "
        f"{plural(len(plan.waves), 'wave')}, no cycle",
        f"✓ workers: up to {plan.workers} at once",
    ]


def plural(count: int, noun: str) -> str:
    """``1 step``, ``3 steps``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
