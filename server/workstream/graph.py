"""The dependency graph of a workstream: cycles, reachability, waves and the critical path.

Edges go from a step to each step it depends on. Only well-formed edges are kept (both ends
defined, not a self-dependency, no duplicates; for a duplicated id, its first occurrence), so
the graph can be built from a workstream with errors and still answer questions.

Reachability is held as Python-int bitsets computed over the strongly connected components
(Tarjan, iterative): building costs O(V + E) set operations of O(V / 64) words each, and a query
"does a depend on b, even transitively?" is one bit test.
"""

from __future__ import annotations

import copy
from functools import cached_property
from typing import TYPE_CHECKING

from workstream.model import Step, Workstream

if TYPE_CHECKING:
    import networkx


class StepGraph:
    """The steps with usable ids and their dependency edges, by index."""

    def __init__(self, workstream: Workstream) -> None:
        index: dict[str, int] = {}
        firsts: list[Step] = []
        for step in workstream.steps:
            if step.id and step.id not in index:
                index[step.id] = len(firsts)
                firsts.append(step)
        #: The first step defined with each id, by node.
        self.steps: list[Step] = firsts
        self.ids: list[str] = [step.id for step in firsts]
        self.index = index
        #: ``depends_on`` with group ids replaced by their steps (``step_groups``)
        self._expand = workstream.expand if workstream.groups_by_id else None
        self.deps: list[list[int]] = []
        #: True when every dependency is defined before its dependent (the usual way to write a
        #: plan): then file order is a topological order and there is no cycle to look for.
        self.in_file_order = True
        for here, step in enumerate(firsts):
            if not step.depends_on:
                self.deps.append([])
                continue
            targets = self._targets(here, step)
            if targets and max(targets) > here:
                self.in_file_order = False
            self.deps.append(targets)

    def _targets(self, here: int, step: Step) -> list[int]:
        """The well-formed edges of one step: defined, not itself, each once."""
        lookup = self.index.get
        named = self._expand(step.depends_on) if self._expand else step.depends_on
        targets = [t for t in map(lookup, named) if t is not None]
        if targets and (here in targets or len(set(targets)) != len(targets)):
            targets = list(dict.fromkeys(t for t in targets if t != here))
        return targets

    def entry_position(self, step: Step, target: str) -> int:
        """The position in ``step.depends_on`` of the entry that makes it depend on ``target``
        (the id itself, or a group holding it)."""
        if target in step.depends_on:
            return step.depends_on.index(target)
        if self._expand is not None:
            for position, dep in enumerate(step.depends_on):
                if target in self._expand((dep,)):
                    return position
        return 0

    def with_step(self, step: Step) -> StepGraph:
        """This graph after an edit of one step that kept its id (its edges may differ).

        When the edges are the same, what was computed from them (components, reachability)
        is shared; otherwise only that step's edges are rebuilt.
        """
        node = self.index.get(step.id)
        if node is None or self.steps[node].index != step.index:
            return self  # not a first definition: the graph does not hold it
        clone = copy.copy(self)
        clone.steps = [*self.steps[:node], step, *self.steps[node + 1 :]]
        targets = self._targets(node, step)
        if targets != self.deps[node]:
            clone.deps = [*self.deps[:node], targets, *self.deps[node + 1 :]]
            if self.in_file_order:
                clone.in_file_order = not targets or max(targets) < node
            else:
                clone.in_file_order = all(not t or max(t) < n for n, t in enumerate(clone.deps))
            for name in ("components", "cycles", "ancestors", "descendants"):
                clone.__dict__.pop(name, None)
        return clone

    @cached_property
    def bigrams(self) -> list[frozenset[str]]:
        """Per step, the set of letter pairs of its id (for "did you mean" on large files)."""
        return [frozenset(i[k : k + 2] for k in range(len(i) - 1)) for i in self.ids]

    @cached_property
    def components(self) -> list[list[int]]:
        """Strongly connected components, each emitted after every component it depends on."""
        if self.in_file_order:
            return [[node] for node in range(len(self.deps))]
        deps = self.deps
        count = len(deps)
        order = [-1] * count
        low = [0] * count
        on_stack = [False] * count
        stack: list[int] = []
        result: list[list[int]] = []
        counter = 0
        for root in range(count):
            if order[root] != -1:
                continue
            work = [(root, 0)]
            while work:
                node, edge = work.pop()
                if edge == 0:
                    order[node] = low[node] = counter
                    counter += 1
                    stack.append(node)
                    on_stack[node] = True
                targets = deps[node]
                while edge < len(targets):
                    target = targets[edge]
                    edge += 1
                    if order[target] == -1:
                        work.append((node, edge))
                        work.append((target, 0))
                        break
                    if on_stack[target] and order[target] < low[node]:
                        low[node] = order[target]
                else:
                    if low[node] == order[node]:
                        component = []
                        while True:
                            member = stack.pop()
                            on_stack[member] = False
                            component.append(member)
                            if member == node:
                                break
                        result.append(component)
                    if work:
                        parent = work[-1][0]
                        if low[node] < low[parent]:
                            low[parent] = low[node]
        return result

    @cached_property
    def cycles(self) -> list[list[int]]:
        """The components that hold a cycle (more than one step)."""
        return [c for c in self.components if len(c) > 1]

    @cached_property
    def ancestors(self) -> list[int]:
        """Per step, a bitset of every step it depends on, directly or transitively."""
        return self._reach(self.deps)

    @cached_property
    def descendants(self) -> list[int]:
        """Per step, a bitset of every step that depends on it, directly or transitively."""
        reverse: list[list[int]] = [[] for _ in self.deps]
        for node, targets in enumerate(self.deps):
            for target in targets:
                reverse[target].append(node)
        return self._reach(reverse)

    def _reach(self, edges: list[list[int]]) -> list[int]:
        if edges is self.deps:
            components = self.components
        elif self.in_file_order:  # reversed edges all point forward: reverse file order
            components = [[node] for node in range(len(edges) - 1, -1, -1)]
        else:
            components = _StepGraphView(edges).components
        reach = [0] * len(edges)
        for component in components:
            if len(component) == 1:
                node = component[0]
                bits = 0
                for target in edges[node]:
                    bits |= reach[target] | (1 << target)
                reach[node] = bits
                continue
            bits = 0
            for node in component:
                bits |= 1 << node
                for target in edges[node]:
                    bits |= reach[target] | (1 << target)
            for node in component:
                reach[node] = bits
        return reach

    def depends_on(self, a: int, b: int) -> bool:
        """True when step ``a`` depends on step ``b``, even transitively."""
        return bool(self.ancestors[a] >> b & 1)

    def related(self, a: int, b: int) -> bool:
        """True when one of the two steps depends on the other: they never run together."""
        return self.depends_on(a, b) or self.depends_on(b, a)

    def to_networkx(self) -> networkx.DiGraph:
        """The graph as a networkx DiGraph with edges from a dependency to its dependent."""
        import networkx

        graph = networkx.DiGraph()
        graph.add_nodes_from(self.ids)
        for node, targets in enumerate(self.deps):
            for target in targets:
                graph.add_edge(self.ids[target], self.ids[node])
        return graph


class _StepGraphView(StepGraph):
    """A graph over given edges (used for the reverse direction)."""

    def __init__(self, edges: list[list[int]]) -> None:
        self.deps = edges
        self.in_file_order = False
        self.steps = []
