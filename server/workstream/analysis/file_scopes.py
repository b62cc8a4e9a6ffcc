"""File scopes: conflicts between steps that may run at once (WS201), scopes that leave the
repository (WS202), and steps without a scope that run alongside others (WS203).

Two steps conflict when neither depends on the other, even transitively, and their scopes may
overlap: :mod:`workstream.analysis.conflicts` finds them on distinct patterns and bitsets of
steps, never on pairs of entries.
"""

from __future__ import annotations

from collections.abc import Sequence

from workstream.analysis import conflicts
from workstream.analysis.context import Context
from workstream.findings import Finding, finding
from workstream.scopes import any_leaves_repository, leaves_repository


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
    ctx.scopes_need_graph = bool(unscoped)
    findings.extend(conflicts.check(ctx, scopes))  # sets scopes_need_graph if some overlap
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
