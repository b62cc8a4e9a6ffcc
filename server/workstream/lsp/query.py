"""Questions the editor features ask of an analysis, as plain functions over offsets.

"What is at this offset", "where is this step id used", "which edits rename it", "what may be
completed here", "which edit fixes this finding": pure functions of an
:class:`~workstream.analysis.Analysis` and character offsets, returning spans and strings.
Nothing here imports pygls or lsprotocol, so all of it is unit-testable and could move to the
core.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from workstream.analysis import Analysis
from workstream.analysis.ids import ref_problem
from workstream.findings import Span
from workstream.graph import StepGraph
from workstream.jsonc import ParsedJson, Path
from workstream.model import Step

TargetKind = Literal["step-id", "dependency", "tool", "workstream-id", "group-id", "setting"]

_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?')


@dataclass(frozen=True, slots=True)
class Target:
    """A step id, dependency entry, tool name or workstream id found at an offset."""

    kind: TargetKind
    name: str
    span: Span  # the string token, quotes included
    step_index: int | None = None  # index in ``steps`` of the step holding it
    position: int | None = None  # index in ``depends_on`` for a dependency


# ------------------------------------------------------------------------ locating


def path_at(parsed: ParsedJson, offset: int) -> tuple[Path, bool]:
    """The innermost path whose value (or key, then the flag is True) holds ``offset``.

    Uses only the parse's public span queries; large containers are never measured whole.
    """
    path: Path = ()
    value: Any = parsed.value
    while True:
        if isinstance(value, dict):
            best: str | None = None
            best_start = -1
            for key in value:
                span = parsed.key_span((*path, key))
                if span is not None and best_start < span.start <= offset:
                    best, best_start = key, span.start
            if best is None:
                return path, False
            key_span = parsed.key_span((*path, best))
            if key_span is not None and key_span.start <= offset <= key_span.end:
                return (*path, best), True
            child: Path = (*path, best)
        elif isinstance(value, list):
            lo, hi, found = 0, len(value) - 1, -1
            while lo <= hi:  # the last item starting at or before the offset
                mid = (lo + hi) // 2
                span = parsed.span((*path, mid))
                if span is not None and span.start <= offset:
                    found, lo = mid, mid + 1
                else:
                    hi = mid - 1
            if found < 0:
                return path, False
            child = (*path, found)
        else:
            return path, False
        child_value = value[child[-1]]
        # The root's members may be huge: their end is implied by the next key.
        if len(path) > 0 or not isinstance(child_value, dict | list):
            span = parsed.span(child)
            if span is None or not span.start <= offset <= span.end:
                return path, False
        path, value = child, child_value


def target_at(analysis: Analysis, offset: int) -> Target | None:
    """The step id, dependency, tool or workstream id whose string holds ``offset``."""
    parsed = analysis.parsed
    path, on_key = path_at(parsed, offset)
    if on_key or not path:
        return None
    span = parsed.span(path)
    try:
        value = _value(parsed.value, path)
    except (KeyError, IndexError, TypeError):
        return None
    if span is None or not isinstance(value, str):
        return None
    if path == ("id",):
        return Target("workstream-id", value, span)
    if len(path) >= 3 and path[0] == "steps" and isinstance(path[1], int):
        index = path[1]
        if path[2:] == ("id",):
            return Target("step-id", value, span, index)
        if path[2:] == ("tool",):
            return Target("tool", value, span, index)
        if len(path) == 4 and path[2] == "depends_on" and isinstance(path[3], int):
            return Target("dependency", value, span, index, path[3])
    if len(path) >= 3 and path[0] == "step_groups" and isinstance(path[1], int):
        if path[2:] == ("id",):
            return Target("group-id", value, span)
        if len(path) == 4 and path[2] == "steps" and isinstance(path[3], int):
            return Target("dependency", value, span, None, path[3])  # names a step
    if len(path) == 2 and path[0] == "execution" and isinstance(path[1], str):
        return Target("setting", path[1], span)
    return None


def _value(root: Any, path: Path) -> Any:
    for part in path:
        root = root[part]
    return root


def string_token_at(text: str, offset: int) -> Span | None:
    """The JSON string token (maybe unterminated) around ``offset`` on its line."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    for match in _STRING.finditer(text, line_start, line_end):
        if match.start() < offset <= match.end() or match.start() == offset == match.end() - 1:
            return Span(match.start(), match.end())
        if match.start() >= offset:
            break
    return None


def step_span(parsed: ParsedJson, step: Step) -> Span | None:
    """The source range of a step's object."""
    return parsed.span(("steps", step.index))


def id_span(parsed: ParsedJson, step: Step) -> Span | None:
    """The source range of a step's id string."""
    return parsed.span(("steps", step.index, "id"))


# ------------------------------------------------------------------- references


def raw_steps(parsed: ParsedJson) -> list[Any]:
    value = parsed.value
    steps = value.get("steps") if isinstance(value, dict) else None
    return steps if isinstance(steps, list) else []


def references(analysis: Analysis, name: str, *, include_definition: bool = True) -> list[Span]:
    """Every place the step (or step group) id ``name`` is defined or used: ``depends_on``
    entries and ``step_groups[].steps``, in order."""
    parsed = analysis.parsed
    groups = parsed.value.get("step_groups") if isinstance(parsed.value, dict) else None
    return [
        *_mentions(parsed, "steps", raw_steps(parsed), "depends_on", name, include_definition),
        *_mentions(
            parsed,
            "step_groups",
            groups if isinstance(groups, list) else [],
            "steps",
            name,
            include_definition,
        ),
    ]


def _mentions(
    parsed: ParsedJson, array: str, items: list[Any], listing: str, name: str, ids: bool
) -> list[Span]:
    """In each object of the top-level ``array``: its ``id`` (when ``ids``) and the entries of
    its ``listing`` array that are ``name``."""
    spans: list[Span] = []
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            continue
        if ids and raw.get("id") == name:
            span = parsed.span((array, index, "id"))
            if span is not None:
                spans.append(span)
        entries = raw.get(listing)
        if isinstance(entries, list):
            for position, entry in enumerate(entries):
                if entry == name:
                    span = parsed.span((array, index, listing, position))
                    if span is not None:
                        spans.append(span)
    return spans


def definition(analysis: Analysis, name: str) -> Span | None:
    """Where the step id ``name`` is (first) defined, else the step group with that id."""
    model = analysis.model
    step = None if model is None else model.step(name)
    if step is not None:
        return id_span(analysis.parsed, step)
    group = None if model is None else model.groups_by_id.get(name)
    return None if group is None else analysis.parsed.span(("step_groups", group.index, "id"))


def rename_problem(analysis: Analysis, old: str, new: str) -> str | None:
    """Why ``old`` cannot be renamed to ``new``, or None when it can."""
    if not new:
        return "A step id cannot be empty."
    problem = ref_problem(new)
    if problem is not None:
        return f"'{new}' cannot be a step id: {problem}."
    model = analysis.model
    if new != old and model is not None and model.step(new) is not None:
        return f"A step with the id '{new}' already exists."
    if new != old and model is not None and new in model.groups_by_id:
        return f"A step group with the id '{new}' already exists."
    return None


def rename_edits(analysis: Analysis, old: str, new: str) -> list[tuple[Span, str]]:
    """The edits renaming step id ``old`` to ``new``: its definition and every reference."""
    quoted = json.dumps(new, ensure_ascii=False)
    return [(span, quoted) for span in references(analysis, old)]


# ------------------------------------------------------------------- completion


@dataclass(frozen=True, slots=True)
class Candidate:
    """One completion: the text and a line of detail."""

    label: str
    detail: str
    kind: Literal["step", "tool", "group"]


def completion_candidates(
    analysis: Analysis, graph: StepGraph | None, offset: int
) -> list[Candidate]:
    """Step ids for a ``depends_on`` entry, or tool names for ``tool``, at ``offset``.

    Never the step's own id, ids it already lists, nor ids that depend on it (a cycle).
    """
    model = analysis.model
    if model is None:
        return []
    path, on_key = path_at(analysis.parsed, offset)
    if not on_key and len(path) >= 3 and path[:1] == ("step_groups",) and path[2] == "steps":
        grouped = {s for g in model.step_groups for s in g.steps}
        return [
            Candidate(s.id, s.description, "step")
            for s in (graph.steps if graph is not None else model.steps)
            if s.id and s.id not in grouped
        ]
    if on_key or len(path) < 3 or path[0] != "steps" or not isinstance(path[1], int):
        return []
    index = path[1]
    step = next((s for s in model.steps if s.index == index), None)
    if step is None:
        return []
    if path[2] == "tool" and len(path) == 3:
        return [
            Candidate(
                name, model.tools[name].description if name in model.tools else "built-in", "tool"
            )
            for name in model.tool_names()
        ]
    if path[2] != "depends_on" or graph is None:
        return []
    current = path[3] if len(path) == 4 and isinstance(path[3], int) else None
    listed = {dep for position, dep in enumerate(step.depends_on) if position != current}
    here = graph.index.get(step.id)
    out: list[Candidate] = []
    for there, other in enumerate(graph.steps):  # each id once, at its first definition
        name = other.id
        if name == step.id or name in listed:
            continue
        if here is not None and graph.depends_on(there, here):
            continue  # it already depends on this step: a cycle
        out.append(Candidate(name, other.description, "step"))
    for group_id, group in model.groups_by_id.items():
        if group_id in listed or step.id in group.steps:
            continue
        members = [graph.index[m] for m in group.steps if m in graph.index]
        if here is not None and any(graph.depends_on(m, here) for m in members):
            continue  # one of its steps depends on this one: a cycle
        out.append(Candidate(group_id, f"step group: {', '.join(group.steps)}", "group"))
    return out
