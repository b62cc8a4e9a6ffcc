"""Incremental analysis: after an edit inside one step, redo only what the edit can change.

A document being typed into is analysed on every pause. When the previous text was valid JSON
and the edit stays inside one step object, only that step is decoded again, validated against
the step schema and rebuilt into the model. Each family of model checks (ids and tools,
dependencies, file scopes) runs again only if a fact it reads from that step changed (and the
graph is reused when no id or dependency did); the findings of the others are the previous
ones, shifted by the edit. Anything else (an edit across steps, outside ``steps``, or text that
no longer parses on its own) returns None, and the caller runs the full analysis. The result is
always exactly what :func:`analyze` would give: property tests compare the two.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from workstream import jsonc
from workstream.analysis import FAMILIES, Analysis, gc_paused, model_checks, surrogates
from workstream.analysis.context import Context
from workstream.analysis.schema import check_step
from workstream.findings import Finding, Related, Span
from workstream.model import Step, build_step


def _facts(step: Step, raw: dict[str, object], scopes_need_graph: bool) -> dict[str, object]:
    """What each family of model checks reads from a step, beside its schema."""
    return {
        "ids": (step.id, step.tool, step.run is None, bool(step.tasks), bool(step.candidates)),
        "dependencies": (step.id, step.depends_on),
        "groups": (step.id, step.depends_on, step.parallel_group),
        "step_groups": (step.id, step.depends_on),
        # which steps may run together matters only when some scopes may overlap
        "file_scopes": (
            step.id,
            step.depends_on if scopes_need_graph else None,
            step.files,
            "files" in raw,
        ),
        "settings": (step.id, step.files, step.writable, tuple(step.env.items())),
        "tools": (step.id, step.tool, step.prompt[:1] == "-", step.candidates),
        "candidates": (step.id, step.tool, step.run, step.tasks, step.candidates, step.select),
    }


def reanalyze(
    previous: Analysis, text: str, start: int, old_end: int, new_end: int
) -> Analysis | None:
    """The analysis of ``text``, which is ``previous.text`` with ``[start:old_end]`` replaced by
    ``text[start:new_end]``; None when the edit is not confined to one step."""
    if previous.model is None or previous.model.step_groups:
        return None  # step groups tie steps together: analyse the whole file
    with gc_paused():
        reparsed = jsonc.reparse_element(previous.parsed, ("steps",), text, start, old_end, new_end)
        if reparsed is None:
            return None
        parsed, index = reparsed
        old_raw = previous.parsed.value["steps"][index]
        new_raw = parsed.value["steps"][index]
        if not isinstance(old_raw, dict) or not isinstance(new_raw, dict):
            return None
        steps = list(previous.model.steps)
        position = bisect.bisect_left([step.index for step in steps], index)
        old_step, new_step = steps[position], build_step(new_raw, index)
        steps[position] = new_step
        model = replace(previous.model, steps=steps)
        element = parsed.span(("steps", index))
        assert element is not None
        delta = new_end - old_end
        old_element = Span(element.start, element.end - delta)

        def outside(finding: Finding) -> bool:
            return finding.span.end <= old_element.start or finding.span.start >= old_element.end

        findings = [
            _shifted(f, old_end, delta)
            for f in previous.findings
            if f.code == "WS002" and outside(f)
        ]
        findings.extend(check_step(parsed, index))
        context = previous.context
        need_graph = context is None or context.scopes_need_graph
        before = _facts(old_step, old_raw, need_graph)
        after = _facts(new_step, new_raw, need_graph)
        stale = [name for name in FAMILIES if before[name] != after[name]]
        stale_codes = set().union(*(FAMILIES[name][1] for name in stale))
        for f in previous.findings:
            if f.code == "WS002" or f.code in stale_codes:
                continue
            moved = _moved(f, start, old_end, delta)
            if moved is None:
                return None
            findings.append(moved)
        ctx = Context(parsed, model)
        if context is not None:
            ctx.scopes_need_graph = context.scopes_need_graph
            if "graph" in context.__dict__ and old_step.id == new_step.id:
                ctx.__dict__["graph"] = context.graph.with_step(new_step)
        findings.extend(model_checks(ctx, stale))
        findings.sort(key=lambda f: (f.span.start, f.span.end, f.code))
        return Analysis(parsed, model, surrogates.clean(findings, text), ctx)


def _shift_span(span: Span, old_end: int, delta: int) -> Span:
    if span.start >= old_end:
        return Span(span.start + delta, span.end + delta)
    return span


def _shifted(finding: Finding, old_end: int, delta: int) -> Finding:
    """A finding that lies wholly before or after the edit, moved with the text."""
    return replace(
        finding,
        span=_shift_span(finding.span, old_end, delta),
        related=tuple(
            Related(_shift_span(r.span, old_end, delta), r.message) for r in finding.related
        ),
    )


def _moved(finding: Finding, start: int, old_end: int, delta: int) -> Finding | None:
    """Like :func:`_shifted`, or None when the edit cuts into one of the finding's spans."""
    for span in (finding.span, *(r.span for r in finding.related)):
        if span.start < old_end and span.end > start:
            return None
    return _shifted(finding, old_end, delta)
