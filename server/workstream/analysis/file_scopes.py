"""File scopes: conflicts between steps that may run at once (WS201), scopes that leave the
repository (WS202), and steps without a scope that run alongside others (WS203).

Two steps conflict when neither depends on the other, even transitively, and their scopes may
overlap. Candidate pairs come from :func:`workstream.scopes.candidate_pairs` (not quadratic:
O(E·d + P), see that module); each candidate costs one reachability bit test.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from workstream.analysis.context import Context
from workstream.findings import Finding, Related, finding
from workstream.model import Step
from workstream.scopes import Entry, any_leaves_repository, candidate_pairs, leaves_repository

#: Names shown in one WS201 message before "and N more".
_SHOWN = 3


def check(ctx: Context) -> list[Finding]:
    """WS201, WS202 and WS203."""
    findings: list[Finding] = []
    graph = ctx.graph
    steps = graph.steps  # by graph node
    scopes: list[Sequence[str | None] | None] = [step.files for step in steps]
    if any_leaves_repository([p for step in steps if step.files for p in step.files]):
        for node, step in enumerate(steps):
            if not step.files or not any(leaves_repository(p) for p in step.files):
                continue
            scopes[node] = [None if leaves_repository(p) else p for p in step.files]
            for position, pattern in enumerate(step.files):
                if leaves_repository(pattern):
                    findings.append(
                        finding(
                            "WS202",
                            f"Step '{step.id}' has the file scope '{pattern}', which leaves "
                            "the repository. Use a path relative to the repository root "
                            "(no leading '/', no '..').",
                            ctx.file_span(step, position),
                            step=step.id,
                        )
                    )
    unscoped = [
        step
        for step in steps
        if step.files is None and "files" not in ctx.parsed.value["steps"][step.index]
    ]  # (a "files" of the wrong type is WS002's)
    ctx.scopes_need_graph = bool(unscoped)  # _conflicts sets it when a pair may overlap
    findings.extend(_conflicts(ctx, scopes, steps))
    count = len(graph.ids)
    for step in unscoped:
        node = graph.index[step.id]
        related = (graph.ancestors[node] | graph.descendants[node]) & ~(1 << node)
        if related.bit_count() < count - 1:
            findings.append(
                finding(
                    "WS203",
                    f"Step '{step.id}' has no \"files\" scope and may run alongside other steps: "
                    'file conflicts cannot be checked. Add "files" (or [] if it changes '
                    "nothing).",
                    ctx.step_id_span(step),
                    step=step.id,
                )
            )
    return findings


def _conflicts(
    ctx: Context, scopes: list[Sequence[str | None] | None], steps: list[Step]
) -> list[Finding]:
    graph = ctx.graph
    clashes: dict[Entry, list[Entry]] = defaultdict(list)
    for a, b in candidate_pairs(scopes):
        ctx.scopes_need_graph = True
        if not graph.related(a[0], b[0]):
            clashes[a].append(b)
            clashes[b].append(a)
    findings = []
    for entry in sorted(clashes, key=lambda e: (steps[e[0]].index, e[1])):
        node, position, pattern = entry
        step = steps[node]
        others = clashes[entry]
        other_ids = list(dict.fromkeys(steps[o[0]].id for o in others))
        names = ", ".join(f"'{i}'" for i in other_ids[:_SHOWN])
        if len(other_ids) > _SHOWN:
            names += f" and {len(other_ids) - _SHOWN} more"
        first = others[0]
        overlap = f"'{pattern}'" if pattern == first[2] else f"'{pattern}' and '{first[2]}'"
        message = (
            f"File conflict: step '{step.id}' may run at the same time as {names}, and their "
            f"file scopes overlap ({overlap}). Make one depend on the other, or narrow the "
            "scopes."
        )
        related = tuple(
            Related(
                ctx.file_span(steps[o[0]], o[1]),
                f"step '{steps[o[0]].id}' may also change '{o[2]}'",
            )
            for o in others[:_SHOWN]
        )
        findings.append(
            finding(
                "WS201",
                message,
                ctx.file_span(step, position),
                related,
                step=step.id,
                conflicts=other_ids,
            )
        )
    return findings
