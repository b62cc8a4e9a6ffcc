"""What every check reads: the parsed document, the model built from it, and its graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from workstream.findings import Span
from workstream.graph import StepGraph
from workstream.jsonc import ParsedJson, Path
from workstream.model import Step, Workstream


@dataclass
class Context:
    """The inputs of the model checks, with helpers to turn paths into spans."""

    parsed: ParsedJson
    model: Workstream
    #: Set by the file-scope checks: False when no two scopes may overlap and every step has
    #: a scope, so which steps may run together (the graph) cannot change their findings.
    scopes_need_graph: bool = True
    #: Per (step index, key): the raw positions of the strings, None when all items are.
    _raw_positions: dict[tuple[int, str], list[int] | None] = field(
        default_factory=dict, repr=False
    )

    @cached_property
    def graph(self) -> StepGraph:
        return StepGraph(self.model)

    @cached_property
    def _first_steps(self) -> dict[str, Step]:
        first: dict[str, Step] = {}
        for step in self.model.steps:
            first.setdefault(step.id, step)
        return first

    def step_of(self, step_id: str) -> Step:
        """The first step defined with this id (the one in the graph)."""
        return self._first_steps[step_id]

    def span(self, path: Path) -> Span:
        """The range at ``path`` (or its nearest existing ancestor)."""
        return self.parsed.best_span(path)

    def step_id_span(self, step: Step) -> Span:
        """The range of a step's id value (or of the step object when it has no id)."""
        return self.span(("steps", step.index, "id"))

    def dep_span(self, step: Step, position: int) -> Span:
        """The range of the ``position``-th entry of a step's ``depends_on``."""
        return self.span(
            ("steps", step.index, "depends_on", self._raw_index(step, "depends_on", position))
        )

    def file_span(self, step: Step, position: int) -> Span:
        """The range of the ``position``-th entry of a step's ``files``."""
        return self.span(("steps", step.index, "files", self._raw_index(step, "files", position)))

    def _raw_index(self, step: Step, key: str, position: int) -> int:
        """Map an index into the model's (strings-only) tuple back to the raw array index."""
        cache_key = (step.index, key)
        if cache_key in self._raw_positions:
            positions = self._raw_positions[cache_key]
        else:
            raw = self.parsed.value["steps"][step.index].get(key)
            if not isinstance(raw, list) or {str}.issuperset(map(type, raw)):  # at C speed
                positions = None
            else:
                positions = [index for index, item in enumerate(raw) if isinstance(item, str)]
            self._raw_positions[cache_key] = positions
        if positions is None or not 0 <= position < len(positions):
            return position
        return positions[position]
