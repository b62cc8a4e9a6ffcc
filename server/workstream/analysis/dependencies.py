"""Dependencies: undefined (WS102), on itself (WS103), cycles (WS104), listed twice (WS105),
and redundant through another dependency (WS106).

Cycles are found with strongly connected components (never by enumerating simple cycles):
each edge inside a component gets one finding showing a shortest cycle through it.
"""

from __future__ import annotations

import difflib
from collections import deque

from workstream.analysis.context import Context
from workstream.findings import Finding, Related, finding
from workstream.graph import StepGraph
from workstream.model import Step

#: Above this many edges in one component, cycles are shown for a bounded sample of its edges
#: (each finding still names a real cycle); the rest get a finding naming the component.
_MAX_CYCLE_SEARCHES = 2000


def check(ctx: Context) -> list[Finding]:
    """WS102, WS103, WS105, WS106 per entry; WS104 per cycle edge."""
    findings: list[Finding] = []
    graph = ctx.graph
    known = graph.index
    checked: set[str] = set()
    for step in ctx.model.steps:
        if not step.id or step.id in checked:
            continue  # a duplicate id (WS101): its first definition is the one in the graph
        checked.add(step.id)
        seen: set[str] = set()
        for position, dep in enumerate(step.depends_on):
            if dep in seen:
                findings.append(
                    finding(
                        "WS105",
                        f"Step '{step.id}' lists '{dep}' in depends_on twice. Remove this entry.",
                        ctx.dep_span(step, position),
                        step=step.id,
                        dependency=dep,
                    )
                )
                continue
            seen.add(dep)
            if dep == step.id:
                findings.append(
                    finding(
                        "WS103",
                        f"Step '{step.id}' depends on itself. Remove '{dep}' from its depends_on.",
                        ctx.dep_span(step, position),
                        step=step.id,
                        dependency=dep,
                    )
                )
            elif dep not in known:
                findings.append(_undefined(ctx, step, position, dep))
        findings.extend(_redundant(ctx, graph, step))
    findings.extend(_cycles(ctx, graph))
    return findings


def _undefined(ctx: Context, step: Step, position: int, dep: str) -> Finding:
    close = difflib.get_close_matches(dep, ctx.graph.ids, n=3, cutoff=0.6)
    close = [c for c in close if c != step.id] or close
    hint = f" Did you mean '{close[0]}'?" if close else " Define it, or remove this entry."
    return finding(
        "WS102",
        f"Step '{step.id}' depends on '{dep}', which is not defined.{hint}",
        ctx.dep_span(step, position),
        step=step.id,
        dependency=dep,
        suggestions=close,
    )


def _redundant(ctx: Context, graph: StepGraph, step: Step) -> list[Finding]:
    """WS106: a dependency already implied through another dependency."""
    here = graph.index[step.id]
    targets = graph.deps[here]
    if len(targets) < 2:
        return []
    findings = []
    for position, dep in enumerate(step.depends_on):
        there = graph.index.get(dep)
        if there is None or there == here or there not in targets:
            continue
        if step.depends_on.index(dep) != position:
            continue  # a repeated entry is WS105's
        through = next(
            (
                other
                for other in targets
                if other != there and graph.depends_on(other, there)
                and not graph.depends_on(there, other)  # inside a cycle it is WS104's
            ),
            None,
        )
        if through is None:
            continue
        findings.append(
            finding(
                "WS106",
                f"Step '{step.id}' already depends on '{dep}' through '{graph.ids[through]}'. "
                "This entry can be removed.",
                ctx.dep_span(step, position),
                step=step.id,
                dependency=dep,
            )
        )
    return findings


def _cycles(ctx: Context, graph: StepGraph) -> list[Finding]:
    """WS104: one finding per edge of each cycle, with the whole path in the message."""
    findings: list[Finding] = []
    for component in graph.cycles:
        members = set(component)
        edges = [(a, b) for a in component for b in graph.deps[a] if b in members]
        paths: dict[tuple[int, int], list[int]] = {}
        for a, b in edges[:_MAX_CYCLE_SEARCHES]:
            paths[(a, b)] = [a, *_shortest_path(graph, b, a, members)]
        fallback = paths[edges[0]]
        for a, b in edges:
            cycle = paths.get((a, b), fallback)
            shown = " → ".join(graph.ids[n] for n in [*cycle, cycle[0]])
            step = ctx.model.step(graph.ids[a])
            assert step is not None
            position = step.depends_on.index(graph.ids[b])
            others = [(x, y) for x, y in zip(cycle, [*cycle[1:], cycle[0]], strict=True)
                      if (x, y) != (a, b)]
            related = []
            for x, y in others:
                other_step = ctx.model.step(graph.ids[x])
                assert other_step is not None
                related.append(
                    Related(
                        ctx.dep_span(other_step, other_step.depends_on.index(graph.ids[y])),
                        f"'{graph.ids[x]}' depends on '{graph.ids[y]}'",
                    )
                )
            findings.append(
                finding(
                    "WS104",
                    f"Dependency cycle: {shown}. Remove one of these dependencies.",
                    ctx.dep_span(step, position),
                    tuple(related),
                    step=graph.ids[a],
                    dependency=graph.ids[b],
                    cycle=[graph.ids[n] for n in cycle],
                )
            )
    return findings


def _shortest_path(graph: StepGraph, start: int, goal: int, members: set[int]) -> list[int]:
    """Breadth-first path start ⇝ goal inside one component, without ``goal`` itself."""
    parent: dict[int, int] = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for target in graph.deps[node]:
            if target in members and target not in parent:
                parent[target] = node
                queue.append(target)
    path = []
    node = goal
    while node != start:
        node = parent[node]
        path.append(node)
    return path[::-1]
