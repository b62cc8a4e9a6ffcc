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
from workstream.findings import Finding, Span
from workstream.graph import StepGraph
from workstream.jsonc import ParsedJson, Path
from workstream.model import Step

TargetKind = Literal["step-id", "dependency", "tool", "workstream-id"]

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


def _raw_steps(parsed: ParsedJson) -> list[Any]:
    value = parsed.value
    steps = value.get("steps") if isinstance(value, dict) else None
    return steps if isinstance(steps, list) else []


def references(analysis: Analysis, name: str, *, include_definition: bool = True) -> list[Span]:
    """Every place the step id ``name`` is defined or used in a ``depends_on``, in order."""
    parsed = analysis.parsed
    spans: list[Span] = []
    for index, raw in enumerate(_raw_steps(parsed)):
        if not isinstance(raw, dict):
            continue
        if include_definition and raw.get("id") == name:
            span = parsed.span(("steps", index, "id"))
            if span is not None:
                spans.append(span)
        deps = raw.get("depends_on")
        if isinstance(deps, list):
            for position, dep in enumerate(deps):
                if dep == name:
                    span = parsed.span(("steps", index, "depends_on", position))
                    if span is not None:
                        spans.append(span)
    return spans


def definition(analysis: Analysis, name: str) -> Span | None:
    """Where the step id ``name`` is (first) defined."""
    model = analysis.model
    step = None if model is None else model.step(name)
    return None if step is None else id_span(analysis.parsed, step)


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
    kind: Literal["step", "tool"]


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
    return out


# ------------------------------------------------------------------ quick fixes


@dataclass(frozen=True, slots=True)
class Fix:
    """A titled set of edits that fixes one finding."""

    title: str
    edits: tuple[tuple[Span, str], ...]
    preferred: bool = False


def _dep_position(parsed: ParsedJson, index: int, span: Span) -> int | None:
    raw = _raw_steps(parsed)
    deps = (
        raw[index].get("depends_on")
        if 0 <= index < len(raw) and isinstance(raw[index], dict)
        else None
    )
    if not isinstance(deps, list):
        return None
    for position in range(len(deps)):
        if parsed.span(("steps", index, "depends_on", position)) == span:
            return position
    return None


def _step_index(analysis: Analysis, step_id: object) -> int | None:
    model = analysis.model
    if model is None or not isinstance(step_id, str):
        return None
    step = model.step(step_id)
    return None if step is None else step.index


def removal_span(parsed: ParsedJson, array: Path, position: int, length: int) -> Span | None:
    """The span that removes item ``position`` of an array, with the comma that separates it."""
    here = parsed.span((*array, position))
    if here is None:
        return None
    if position + 1 < length:
        following = parsed.span((*array, position + 1))
        return None if following is None else Span(here.start, following.start)
    if position > 0:
        previous = parsed.span((*array, position - 1))
        return None if previous is None else Span(previous.end, here.end)
    return here


def fixes(analysis: Analysis, finding: Finding) -> list[Fix]:
    """Quick fixes for WS102 (the close ids), WS103 / WS105 (remove), WS201 (add a dependency)."""
    parsed = analysis.parsed
    data = finding.data
    index = _step_index(analysis, data.get("step"))
    if index is None:
        return []
    if finding.code == "WS102":
        suggestions = data.get("suggestions")
        names = (
            [s for s in suggestions if isinstance(s, str)] if isinstance(suggestions, list) else []
        )
        return [
            Fix(
                f"Change to '{name}'",
                ((finding.span, json.dumps(name, ensure_ascii=False)),),
                preferred=n == 0,
            )
            for n, name in enumerate(names)
        ]
    if finding.code in ("WS103", "WS105"):
        position = _dep_position(parsed, index, finding.span)
        deps = _raw_steps(parsed)[index].get("depends_on")
        if position is None or not isinstance(deps, list):
            return []
        span = removal_span(parsed, ("steps", index, "depends_on"), position, len(deps))
        if span is None:
            return []
        what = "the dependency on itself" if finding.code == "WS103" else "the repeated entry"
        return [Fix(f"Remove {what} '{data.get('dependency')}'", ((span, ""),), preferred=True)]
    if finding.code == "WS201":
        others = data.get("conflicts")
        out: list[Fix] = []
        for other in others if isinstance(others, list) else []:
            edit = add_dependency_edit(analysis, index, other)
            if edit is not None:
                out.append(
                    Fix(f"Make '{data.get('step')}' depend on '{other}' (run after it)", (edit,))
                )
        return out
    return []


def add_dependency_edit(
    analysis: Analysis, index: int, dependency: object
) -> tuple[Span, str] | None:
    """The edit adding ``dependency`` to the ``depends_on`` of step ``index``."""
    if not isinstance(dependency, str):
        return None
    parsed = analysis.parsed
    raw = _raw_steps(parsed)[index]
    quoted = json.dumps(dependency, ensure_ascii=False)
    deps = raw.get("depends_on")
    if isinstance(deps, list):
        if deps:
            last = parsed.span(("steps", index, "depends_on", len(deps) - 1))
            return None if last is None else (Span(last.end, last.end), f", {quoted}")
        array = parsed.span(("steps", index, "depends_on"))
        return None if array is None else (Span(array.start + 1, array.start + 1), quoted)
    if "depends_on" in raw:
        return None  # not an array: the schema diagnostic comes first
    anchor = parsed.span(("steps", index, "id"))
    if anchor is None:
        return None
    return Span(anchor.end, anchor.end), f', "depends_on": [{quoted}]'
