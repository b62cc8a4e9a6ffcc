"""The analysis: text in, findings out — syntax, schema, ids, dependencies and file scopes.

Pure: imports nothing from pygls or lsprotocol. :func:`analyze` never raises on any input.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from workstream import jsonc
from workstream.analysis import (
    candidates,
    dependencies,
    file_scopes,
    groups,
    ids,
    schema,
    settings,
    step_groups,
    surrogates,
    tools,
)
from workstream.analysis.context import Context
from workstream.findings import Finding, Severity, finding
from workstream.graph import StepGraph
from workstream.jsonc import ParsedJson
from workstream.model import Workstream, build


@dataclass
class Analysis:
    """Everything known about one document: its parse, its model and its findings."""

    parsed: ParsedJson
    model: Workstream | None
    findings: list[Finding] = field(default_factory=list)
    #: What the model checks built and learnt (reused by the next incremental analysis).
    context: Context | None = field(default=None, repr=False, compare=False)

    @property
    def graph(self) -> StepGraph | None:
        """The dependency graph of the model, if there is a model."""
        return None if self.context is None else self.context.graph

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity error (a run refuses a workstream with any)."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def text(self) -> str:
        return self.parsed.text


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of an analysis.

    An analysis allocates many small, acyclic, long-lived objects (the parsed document, the
    model, the graph). Left alone, the collector would scan them while they are built, and
    once more after (a young-generation pass over all of them): about a quarter of the
    analysis of a large file. So it is paused, and on the way out the survivors are moved
    straight to the oldest generation (``gc.freeze()`` then ``gc.unfreeze()``: two list
    splices) where full collections still visit them, so nothing escapes the collector.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def analyze(text: str) -> Analysis:
    """Parse and check a workstream document."""
    with gc_paused():
        return _analyze(text)


def _analyze(text: str) -> Analysis:
    parsed = jsonc.parse(text)
    findings: list[Finding] = []
    if parsed.errors:
        first = parsed.errors[0]
        findings.append(finding("WS001", first.message, first.span))
    findings.extend(schema.check(parsed))
    model = build(parsed.value)
    ctx = None
    if model is not None:
        ctx = Context(parsed, model)
        findings.extend(model_checks(ctx))
    findings.sort(key=lambda f: (f.span.start, f.span.end, f.code))
    return Analysis(parsed, model, surrogates.clean(findings, text), ctx)


#: The model checks, each with the codes it produces.
FAMILIES: dict[str, tuple[Callable[[Context], list[Finding]], frozenset[str]]] = {
    "ids": (ids.check, frozenset({"WS101", "WS301", "WS302", "WS303"})),
    "dependencies": (dependencies.check, frozenset({"WS102", "WS103", "WS104", "WS105", "WS106"})),
    "groups": (groups.check, frozenset({"WS107"})),
    "step_groups": (step_groups.check, frozenset({"WS108", "WS109", "WS110", "WS111"})),
    "file_scopes": (file_scopes.check, frozenset({"WS201", "WS202", "WS203"})),
    "settings": (
        settings.check,
        frozenset(
            {"WS204", "WS205", "WS206", "WS207", "WS209", "WS210", "WS211", "WS212", "WS304"}
        ),
    ),
    "tools": (tools.check, frozenset({"WS208", "WS305", "WS306", "WS307"})),
    "candidates": (candidates.check, frozenset({"WS308", "WS309"})),
}


def model_checks(ctx: Context, families: Iterable[str] = FAMILIES) -> list[Finding]:
    """The checks that read the model (all of them, or the named families)."""
    findings: list[Finding] = []
    for name in families:
        findings.extend(FAMILIES[name][0](ctx))
    return findings
