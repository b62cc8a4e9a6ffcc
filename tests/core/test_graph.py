"""The step graph: components and reachability agree with networkx, in any file order."""

from __future__ import annotations

import networkx
from hypothesis import given, settings
from hypothesis import strategies as st

from workstream.graph import StepGraph
from workstream.model import Step, Workstream


@st.composite
def workstreams(draw: st.DrawFn) -> Workstream:
    count = draw(st.integers(1, 12))
    ids = [f"s{i}" for i in range(count)]
    steps = [
        Step(
            id=step_id, index=i, depends_on=tuple(draw(st.lists(st.sampled_from(ids), max_size=3)))
        )
        for i, step_id in enumerate(ids)
    ]
    return Workstream(id="w", steps=steps)


@settings(max_examples=300, deadline=None)
@given(workstreams())
def test_reachability_matches_networkx(workstream: Workstream) -> None:
    graph = StepGraph(workstream)
    reference = networkx.DiGraph()
    reference.add_nodes_from(range(len(graph.ids)))
    for node, targets in enumerate(graph.deps):
        reference.add_edges_from((node, target) for target in targets)
    for node in range(len(graph.ids)):
        # inside a cycle a step depends on itself, through the cycle
        itself = (
            {node}
            if networkx.has_path(reference, node, node)
            and any(node in c for c in networkx.simple_cycles(reference))
            else set()
        )
        expected = networkx.descendants(reference, node) | itself  # what ``node`` depends on
        assert {b for b in range(len(graph.ids)) if graph.depends_on(node, b)} == expected
        dependents = {a for a in range(len(graph.ids)) if graph.descendants[node] >> a & 1}
        assert dependents == networkx.ancestors(reference, node) | itself
    cyclic = {frozenset(c) for c in networkx.strongly_connected_components(reference) if len(c) > 1}
    assert {frozenset(c) for c in graph.cycles} == cyclic
    assert graph.in_file_order == all(t < n for n, ts in enumerate(graph.deps) for t in ts)
