"""An analysis of one version of a document, and how offsets move between two texts.

A request arriving during a burst of edits is answered from the newest finished analysis,
even when the text has moved on: offsets are mapped through the one edit region that separates
the analysed text from the current one (common prefix and suffix), which is exact for every
position outside that region. Pure: no LSP types here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from workstream.analysis import Analysis
from workstream.findings import Finding, Span
from workstream.graph import StepGraph
from workstream.model import Step


@dataclass(frozen=True, slots=True)
class Change:
    """Where two texts differ: ``old[start:old_end]`` became ``new[start:new_end]``."""

    start: int
    old_end: int
    new_end: int

    @property
    def delta(self) -> int:
        """How much later every offset after the region is in the new text."""
        return self.new_end - self.old_end

    @property
    def empty(self) -> bool:
        """True when the texts are equal."""
        return self.start == self.old_end == self.new_end

    def to_old(self, offset: int) -> int | None:
        """The old offset of a new offset, or None inside the changed region."""
        if offset <= self.start:
            return offset
        if offset >= self.new_end:
            return offset - self.delta
        return None

    def to_new(self, offset: int) -> int | None:
        """The new offset of an old offset, or None inside the changed region."""
        if offset <= self.start:
            return offset
        if offset >= self.old_end:
            return offset + self.delta
        return None

    def span_to_new(self, span: Span) -> Span | None:
        """A span of the old text in the new text; None when the edit cut through it."""
        if span.end <= self.start:
            return span
        if span.start >= self.old_end:
            return Span(span.start + self.delta, span.end + self.delta)
        if span.start <= self.start and span.end >= self.old_end:
            return Span(span.start, span.end + self.delta)  # the edit is inside: it grows
        return None


def diff(old: str, new: str) -> Change:
    """The region where ``old`` and ``new`` differ, by binary search on slices (C speed)."""
    limit = min(len(old), len(new))
    lo, hi = 0, limit
    while lo < hi:  # longest common prefix
        mid = (lo + hi + 1) // 2
        if old[lo:mid] == new[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    prefix = lo
    lo, hi = 0, limit - prefix
    while lo < hi:  # longest common suffix not overlapping the prefix
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid : len(old) - lo] == new[len(new) - mid : len(new) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return Change(prefix, len(old) - lo, len(new) - lo)


@dataclass(eq=False)
class Snapshot:
    """Findings for the text of one document version, and the analysis they come from.

    ``analysis.text`` equals ``text``. A request that arrives after newer edits is answered
    from it by mapping offsets through :meth:`change_to` the current text.
    """

    version: int
    text: str
    analysis: Analysis
    findings: list[Finding]
    _changes: dict[int, tuple[str, Change]] = field(default_factory=dict, repr=False)

    @cached_property
    def graph(self) -> StepGraph | None:
        """The dependency graph of the analysed model."""
        return self.analysis.graph  # built by the analysis (shared with incremental ones)

    @cached_property
    def steps_by_index(self) -> dict[int, Step]:
        """Model steps by their index in the ``steps`` array."""
        model = self.analysis.model
        return {} if model is None else {step.index: step for step in model.steps}

    def derive(self, version: int, text: str, findings: list[Finding]) -> Snapshot:
        """A snapshot of a newer text sharing this analysis (and what was computed from it)."""
        derived = Snapshot(version, text, self.analysis, findings)
        for name in ("graph", "steps_by_index"):
            if name in self.__dict__:
                derived.__dict__[name] = self.__dict__[name]
        return derived

    def change_to(self, text: str) -> Change:
        """How ``text`` differs from the analysed text (cached for the last text asked)."""
        cached = self._changes.get(0)
        if cached is not None and cached[0] is text:
            return cached[1]
        change = diff(self.analysis.text, text)
        self._changes[0] = (text, change)
        return change

    def warm(self) -> None:
        """Compute what requests need (graph, source index of steps) ahead of them."""
        _ = self.graph, self.steps_by_index
        parsed = self.analysis.parsed
        if isinstance(parsed.value, dict) and isinstance(parsed.value.get("steps"), list):
            parsed.span(("steps", 0))
