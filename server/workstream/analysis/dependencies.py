"""Dependencies: undefined (WS102), on itself (WS103), cycles (WS104), listed twice (WS105),
and redundant through another dependency (WS106).

Cycles are found with strongly connected components (never by enumerating simple cycles):
each edge inside a component gets one finding showing a shortest cycle through it.
"""

from __future__ import annotations

import difflib
import heapq
import itertools
from collections import deque
from collections.abc import Mapping

from workstream.analysis.context import Context
from workstream.findings import Finding, Related, finding
from workstream.graph import StepGraph
from workstream.model import Step, StepGroup

#: Nodes the cycle searches may visit in all; past it, an edge names its component instead.
_SEARCH_BUDGET = 2_000_000
#: Above this many ids, "did you mean" pre-filters the candidates (see :func:`close_ids`).
_DIFFLIB_LIMIT = 200
#: Steps named in a message or as related information before the rest are summarised.
_SHOWN_STEPS = 10


def check(ctx: Context) -> list[Finding]:
    """WS102, WS103, WS105, WS106 per entry; WS104 per cycle edge."""
    findings: list[Finding] = []
    graph = ctx.graph
    known, deps, ancestors = graph.index, graph.deps, graph.ancestors
    groups = ctx.model.groups_by_id
    for node, step in enumerate(graph.steps):
        targets = deps[node]
        if len(targets) != len(step.depends_on) or groups:
            # Only a step with a duplicate, self or undefined entry loses edges: look closer.
            findings.extend(_entry_problems(ctx, step, known, groups))
        if len(targets) > 1:
            reachable = 0
            for target in targets:
                reachable |= ancestors[target]
            if any(reachable >> target & 1 for target in targets):  # rare: look closer
                findings.extend(_redundant(ctx, graph, step))
    findings.extend(_cycles(ctx, graph))
    return findings


def _entry_problems(
    ctx: Context, step: Step, known: dict[str, int], groups: Mapping[str, StepGroup]
) -> list[Finding]:
    """WS105 (listed twice), WS103 (itself, or a group holding it) and WS102 (undefined) for
    one step's entries."""
    findings = []
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
        elif dep in groups and step.id in groups[dep].steps:
            findings.append(
                finding(
                    "WS103",
                    f"Step '{step.id}' depends on the group '{dep}', which holds it: it would "
                    "wait for itself. Name the group's other steps instead.",
                    ctx.dep_span(step, position),
                    step=step.id,
                    dependency=dep,
                )
            )
        elif dep not in known and dep not in groups:
            findings.append(_undefined(ctx, step, position, dep))
    return findings


def close_ids(word: str, graph: StepGraph, n: int = 3) -> list[str]:
    """The ids most like ``word`` ("did you mean"), best first.

    difflib compares the word with every id, about 30 µs each; above a few hundred ids a
    bigram pre-filter keeps the 200 ids that share the most letter pairs with the word, so a
    typo in a 10,000-step file costs milliseconds, not a third of a second.
    """
    ids = graph.ids
    if len(ids) > _DIFFLIB_LIMIT:
        grams = {word[i : i + 2] for i in range(len(word) - 1)}
        size = len(word)
        scores = [
            len(grams.intersection(pairs)) - abs(len(other) - size)
            for other, pairs in zip(ids, graph.bigrams, strict=True)
        ]
        best = heapq.nlargest(_DIFFLIB_LIMIT, range(len(ids)), key=scores.__getitem__)
        ids = [ids[i] for i in best]
    return difflib.get_close_matches(word, ids, n=n, cutoff=0.6)


def _undefined(ctx: Context, step: Step, position: int, dep: str) -> Finding:
    close = close_ids(dep, ctx.graph)
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
    ancestors = graph.ancestors
    reachable = 0
    for target in targets:
        reachable |= ancestors[target]
    # Only a dependency some other dependency reaches can be redundant (rare: check those).
    implied = [t for t in targets if reachable >> t & 1]
    findings = []
    for there in implied:
        if graph.ids[there] not in step.depends_on:
            continue  # reached through a group entry, which holds other steps too
        through = next(
            (
                other
                for other in targets
                if other != there
                and graph.depends_on(other, there)
                and not graph.depends_on(there, other)  # inside a cycle it is WS104's
            ),
            None,
        )
        if through is None:
            continue
        dep = graph.ids[there]
        findings.append(
            finding(
                "WS106",
                f"Step '{step.id}' already depends on '{dep}' through '{graph.ids[through]}'. "
                "This entry can be removed.",
                ctx.dep_span(step, graph.entry_position(step, dep)),
                step=step.id,
                dependency=dep,
            )
        )
    return findings


def _cycles(ctx: Context, graph: StepGraph) -> list[Finding]:
    """WS104: one finding per edge of each cycle, with the whole path in the message.

    Each component is covered greedily: take an edge no cycle has shown yet, find the shortest
    cycle through it (one breadth-first search inside the component), and let that cycle
    explain every edge on it. A single long cycle costs one search.
    """
    findings: list[Finding] = []
    budget = _SEARCH_BUDGET
    for component in graph.cycles:
        members = set(component)
        edges = [(a, b) for a in component for b in graph.deps[a] if b in members]
        cycle_of: dict[tuple[int, int], list[int]] = {}
        for a, b in edges:
            if (a, b) in cycle_of or budget <= 0:
                continue
            cycle = [a, *_shortest_path(graph, b, a, members)]
            budget -= len(members)
            for edge in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
                cycle_of.setdefault(edge, cycle)
        for a, b in edges:
            findings.append(_cycle_finding(ctx, graph, a, b, cycle_of.get((a, b)), component))
    return findings


def _cycle_finding(
    ctx: Context,
    graph: StepGraph,
    a: int,
    b: int,
    cycle: list[int] | None,
    component: list[int],
) -> Finding:
    ids = graph.ids
    if cycle is None:  # out of search budget: name the component instead of a path
        listed = ", ".join(f"'{ids[n]}'" for n in component[:_SHOWN_STEPS])
        more = len(component) - _SHOWN_STEPS
        message = (
            f"Dependency cycle: '{ids[a]}' → '{ids[b]}' is part of a cycle among "
            f"{len(component)} steps ({listed}{f' and {more} more' if more > 0 else ''}). "
            "Remove one of these dependencies."
        )
        cycle = [a, b]
    else:
        length = len(cycle)
        start = cycle.index(a)
        ring = cycle

        def at(k: int) -> int:
            return ring[(start + k) % length]  # the cycle read from this edge's step

        ends = _SHOWN_STEPS
        if length + 1 > 2 * ends:
            names = [ids[at(k)] for k in range(ends - 1)]
            names.append(f"… {length + 3 - 2 * ends} more …")
            names += [ids[at(k)] for k in range(length - ends + 2, length + 1)]
        else:
            names = [ids[at(k)] for k in range(length + 1)]
        message = f"Dependency cycle: {' → '.join(names)}. Remove one of these dependencies."
        cycle = [at(k) for k in range(min(length, _SHOWN_STEPS + 1))] + (
            [a] if length <= _SHOWN_STEPS else []
        )
    related = []
    for x, y in itertools.pairwise(cycle[1:]):  # the other edges, after this one
        dependent = ctx.step_of(ids[x])
        related.append(
            Related(
                ctx.dep_span(dependent, ctx.graph.entry_position(dependent, ids[y])),
                f"'{ids[x]}' depends on '{ids[y]}'",
            )
        )
    step = ctx.step_of(ids[a])
    return finding(
        "WS104",
        message,
        ctx.dep_span(step, ctx.graph.entry_position(step, ids[b])),
        tuple(related),
        step=ids[a],
        dependency=ids[b],
    )


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
