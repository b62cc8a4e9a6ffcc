"""The plan of a run: which steps, in which waves, along which critical path.

Waves are networkx's topological generations: wave 0 holds the steps without dependencies,
wave *n* the steps whose deepest dependency is in wave *n-1*, so each wave could run at once
given enough workers. The critical path is the longest chain of dependencies, counted in
steps (no step's duration is known before it runs); it bounds the wall time of any schedule.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import networkx

from workstream.executor.errors import ExecutorError
from workstream.graph import StepGraph
from workstream.model import Workstream


class NoOrder(ExecutorError):
    """The steps wait for each other: no order runs them (a cycle of any kind)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """The steps a run will consider, their waves and the critical path."""

    workstream_id: str
    steps: tuple[str, ...]  # in file order
    edges: tuple[tuple[str, str], ...]  # (dependency, dependent), both within ``steps``
    waves: tuple[tuple[str, ...], ...]
    critical_path: tuple[str, ...]
    workers: int
    requested: tuple[str, ...] = ()  # the --step ids, when some were given
    groups: tuple[tuple[str, int], ...] = ()  # (step, parallel_group) of the grouped steps

    def to_json(self) -> dict[str, object]:
        """A JSON-ready form (``graph --format json``)."""
        return {
            "workstream_id": self.workstream_id,
            "steps": list(self.steps),
            "edges": [list(edge) for edge in self.edges],
            "waves": [list(wave) for wave in self.waves],
            "critical_path": list(self.critical_path),
            "workers": self.workers,
        }


def selection(model: Workstream, requested: Iterable[str]) -> list[str]:
    """The requested steps and all their dependencies, in file order (all steps if none)."""
    graph = StepGraph(model)
    wanted = list(requested)
    if not wanted:
        return list(graph.ids)
    unknown = [step for step in wanted if step not in graph.index]
    if unknown:
        known = ", ".join(graph.ids) or "none"
        raise ExecutorError(f"unknown step {', '.join(map(repr, unknown))} (steps: {known})")
    bits = 0
    for step in wanted:
        here = graph.index[step]
        bits |= graph.ancestors[here] | (1 << here)
    return [step for i, step in enumerate(graph.ids) if bits >> i & 1]


def make_plan(model: Workstream, requested: Iterable[str] = (), workers: int | None = None) -> Plan:
    """Plan a run of ``requested`` steps (all when empty) and their dependencies."""
    requested = tuple(requested)
    chosen = selection(model, requested)
    position = {step: i for i, step in enumerate(chosen)}
    full = StepGraph(model).to_networkx()
    sub = full.subgraph(chosen)
    groups = _groups(model, chosen)
    edges = tuple(sorted(sub.edges, key=lambda e: (position[e[1]], position[e[0]])))
    order_edges = _barrier_edges(groups) + _sequential_edges(model, position)
    if order_edges:  # barriers and sequential groups order the waves and critical path too
        sub = networkx.DiGraph(sub)
        sub.add_edges_from(order_edges)
    try:
        waves = tuple(
            tuple(sorted(wave, key=position.__getitem__))
            for wave in networkx.topological_generations(sub)
        )
    except networkx.NetworkXUnfeasible:
        cycle = " → ".join(edge[0] for edge in networkx.find_cycle(sub))
        raise NoOrder(
            f"the steps wait for each other ({cycle}): depends_on, the parallel_group barriers "
            "and the sequential step groups leave no order to run them in"
        ) from None
    critical = tuple(networkx.dag_longest_path(sub, topo_order=[s for w in waves for s in w]))
    count = workers if workers is not None else model.execution.workers
    if not model.execution.parallel:
        count = 1
    return Plan(model.id, tuple(chosen), edges, waves, critical, max(1, count), requested, groups)


def _groups(model: Workstream, chosen: list[str]) -> tuple[tuple[str, int], ...]:
    """The chosen steps that have a ``parallel_group``, in file order."""
    out = []
    for step_id in chosen:
        step = model.step(step_id)
        if step is not None and step.parallel_group is not None:
            out.append((step_id, step.parallel_group))
    return tuple(out)


def _barrier_edges(groups: tuple[tuple[str, int], ...]) -> list[tuple[str, str]]:
    """Every step of a group after every step of the group below it (which in turn comes
    after the ones below: one layer of edges is enough)."""
    by_group: dict[int, list[str]] = {}
    for step_id, group in groups:
        by_group.setdefault(group, []).append(step_id)
    levels = sorted(by_group)
    return [
        (before, after)
        for low, high in itertools.pairwise(levels)
        for before in by_group[low]
        for after in by_group[high]
    ]


def graph_plan(model: Workstream) -> Plan:
    """The plan of every step for display: like :func:`make_plan`, but a graph with a
    dependency cycle still gets one (its steps and edges, without waves or critical path)."""
    try:
        return make_plan(model)
    except NoOrder:
        graph = StepGraph(model)
        edges = tuple(
            (graph.ids[there], graph.ids[here])
            for here, targets in enumerate(graph.deps)
            for there in targets
        )
        return Plan(model.id, tuple(graph.ids), edges, (), (), 1)


def _sequential_edges(model: Workstream, chosen: dict[str, int]) -> list[tuple[str, str]]:
    """Each step of a sequential step group after the one listed before it."""
    return [
        (before, after)
        for group in model.step_groups
        if group.sequential
        for before, after in itertools.pairwise(
            s for s in dict.fromkeys(group.steps) if s in chosen
        )
    ]
