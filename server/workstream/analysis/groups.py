"""Parallel groups: a dependency that can never be met because of a barrier (WS107).

A step of ``parallel_group`` *g* starts only after every step of every lower group finished.
If it depends, directly or through steps without a group, on a step of a higher group *h*,
that step waits for *g* to finish, and *g* waits for it: neither ever runs. The finding is on
the ``depends_on`` entry that leads there (a step group's id too: through any of its steps),
and names the step of the higher group.

One pass in topological order finds, per step, the highest group it waits for (its own or
any dependency's, transitively) and one step that has it; steps in a dependency cycle (and
after one) are WS104's and are left out here.
"""

from __future__ import annotations

from workstream.analysis.context import Context
from workstream.findings import Finding, Related, finding
from workstream.graph import StepGraph


def check(ctx: Context) -> list[Finding]:
    """WS107 per ``depends_on`` entry that waits for a higher group."""
    graph = ctx.graph
    steps = graph.steps
    if not any(step.parallel_group is not None for step in steps):
        return []
    highest = highest_waits(graph)
    findings: list[Finding] = []
    for node, step in enumerate(steps):
        group = step.parallel_group
        if group is None or not graph.deps[node]:
            continue
        for position, dep_id in enumerate(step.depends_on):
            there = None
            for member in ctx.model.expand((dep_id,)):  # a step group: each of its steps
                target = graph.index.get(member)
                found = None if target is None or target == node else highest[target]
                if found is not None and (there is None or found[0] > there[0]):
                    there = found
            if there is None or there[0] <= group:
                continue
            blocker = steps[there[1]]
            group_of = ctx.model.groups_by_id.get(dep_id)
            if blocker.id == dep_id:
                through = ""
            elif group_of is not None and blocker.id in group_of.steps:
                through = f", a step group with '{blocker.id}'"
            else:
                through = f", which waits for '{blocker.id}'"
            findings.append(
                finding(
                    "WS107",
                    f"Step '{step.id}' (parallel_group {group}) depends on '{dep_id}'{through} "
                    f"in parallel_group {there[0]}, which starts only after group {group} "
                    "finished: neither can ever run. Move one of them to another group, or "
                    "remove this dependency.",
                    ctx.dep_span(step, position),
                    (
                        Related(
                            ctx.span(("steps", blocker.index, "parallel_group")),
                            f"'{blocker.id}' is in parallel_group {there[0]}",
                        ),
                    ),
                    step=step.id,
                )
            )
    return findings


def highest_waits(graph: StepGraph) -> list[tuple[int, int] | None]:
    """Per node: (the highest parallel_group it waits for, its own or any dependency's,
    transitively; a node of that group), or None; None too for a node in or after a cycle."""
    steps = graph.steps
    highest: list[tuple[int, int] | None] = [None] * len(steps)
    for node in _topological(graph.deps):
        best = None
        own = steps[node].parallel_group
        if own is not None:
            best = (own, node)
        for dep in graph.deps[node]:
            there = highest[dep]
            if there is not None and (best is None or there[0] > best[0]):
                best = there
        highest[node] = best
    return highest


def _topological(deps: list[list[int]]) -> list[int]:
    """Nodes with every dependency before its dependents (Kahn); a node in a cycle, or
    depending on one, is left out."""
    waiting = [len(targets) for targets in deps]
    dependents: list[list[int]] = [[] for _ in deps]
    for node, targets in enumerate(deps):
        for target in targets:
            dependents[target].append(node)
    ready = [node for node, count in enumerate(waiting) if count == 0]
    order: list[int] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for later in dependents[node]:
            waiting[later] -= 1
            if waiting[later] == 0:
                ready.append(later)
    return order
