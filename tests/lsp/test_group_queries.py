"""The editor's queries over step groups and conditional settings (pure, no server): a group
entry names a step (definition, references, rename), a group id in depends_on is a target
(definition, hover, completion), and a conditional setting's hover shows its value now."""

from __future__ import annotations

import json

import pytest

from workstream.analysis import analyze
from workstream.graph import StepGraph
from workstream.lsp.hover import describe_group, describe_setting
from workstream.lsp.query import (
    completion_candidates,
    definition,
    references,
    rename_edits,
    rename_problem,
    target_at,
)

DOC = {
    "id": "ws",
    "execution": {"max_workers": "${env.WS_TEST_MAXW:-3}"},
    "steps": [
        {"id": "a", "run": "true"},
        {"id": "b", "run": "true"},
        {"id": "c", "run": "true", "depends_on": ["utils"]},
        {"id": "d", "run": "true"},
    ],
    "step_groups": [{"id": "utils", "steps": ["a", "b"], "execute": "sequential"}],
}
TEXT = json.dumps(DOC, indent=1)


def at(needle: str, nth: int = 0) -> int:
    where = -1
    for _ in range(nth + 1):
        where = TEXT.index(needle, where + 1)
    return where + 1  # inside the string


def test_a_group_entry_names_a_step() -> None:
    analysis = analyze(TEXT)
    target = target_at(analysis, at('"a"', 1))  # the "a" in step_groups
    assert target is not None and target.kind == "dependency" and target.name == "a"
    step_def = definition(analysis, "a")
    assert step_def is not None and TEXT[step_def.start : step_def.end] == '"a"'
    assert len(references(analysis, "a")) == 2
    edits = rename_edits(analysis, "a", "alpha")
    assert len(edits) == 2 and all(text == '"alpha"' for _, text in edits)
    renamed = TEXT
    for span, text in sorted(edits, key=lambda e: -e[0].start):
        renamed = renamed[: span.start] + text + renamed[span.end :]
    assert json.loads(renamed)["step_groups"][0]["steps"] == ["alpha", "b"]


def test_a_group_id_in_depends_on() -> None:
    analysis = analyze(TEXT)
    target = target_at(analysis, at('"utils"'))
    assert target is not None and target.kind == "dependency" and target.name == "utils"
    found = definition(analysis, "utils")
    assert found is not None and found.start == TEXT.index('"utils"', TEXT.index("step_groups"))
    assert len(references(analysis, "utils")) == 2  # the entry and the group's id
    assert (
        rename_problem(analysis, "a", "utils") == "A step group with the id 'utils' already exists."
    )
    assert analysis.model is not None
    text = describe_group(analysis.model, "utils")
    assert text.startswith("**step group utils** — 2 steps, one after another, in this order")


def test_completion_offers_groups_and_ungrouped_steps() -> None:
    analysis = analyze(TEXT)
    model = analysis.model
    assert model is not None
    graph = StepGraph(model)
    # in d's depends_on (an empty array added for the test), the group is offered
    doc = json.loads(TEXT)
    doc["steps"][3]["depends_on"] = [""]
    text = json.dumps(doc, indent=1)
    there = analyze(text)
    assert there.model is not None
    offset = text.index('""') + 1
    labels = {c.label: c.kind for c in completion_candidates(there, StepGraph(there.model), offset)}
    assert labels.get("utils") == "group" and "d" not in labels
    # inside step_groups[].steps, steps not in any group
    offset = at('"b"', 1)
    labels = {c.label for c in completion_candidates(analysis, graph, offset)}
    assert labels == {"c", "d"}


def test_hover_of_a_conditional_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WS_TEST_MAXW", raising=False)
    analysis = analyze(TEXT)
    target = target_at(analysis, at("${env"))
    assert target is not None and target.kind == "setting" and target.name == "max_workers"
    assert analysis.model is not None
    text = describe_setting(analysis.model, "max_workers")
    assert (
        "`${env.WS_TEST_MAXW:-3}`" in text
        and "now (in the language server's environment): `3`" in text
    )
