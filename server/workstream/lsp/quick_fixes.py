"""Quick fixes: the edits that mend a finding (did-you-mean, remove a repeated or self
dependency, add a dependency that orders two steps whose files conflict), as plain functions
over an :class:`~workstream.analysis.Analysis`; nothing here imports pygls or lsprotocol."""

from __future__ import annotations

import json
from dataclasses import dataclass

from workstream.analysis import Analysis
from workstream.findings import Finding, Span
from workstream.jsonc import ParsedJson, Path
from workstream.lsp.query import raw_steps


@dataclass(frozen=True, slots=True)
class Fix:
    """A titled set of edits that fixes one finding."""

    title: str
    edits: tuple[tuple[Span, str], ...]
    preferred: bool = False


def _dep_position(parsed: ParsedJson, index: int, span: Span) -> int | None:
    raw = raw_steps(parsed)
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
        deps = raw_steps(parsed)[index].get("depends_on")
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
    raw = raw_steps(parsed)[index]
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
