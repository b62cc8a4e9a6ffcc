"""Rendering the DAG: the same mermaid for the CLI and the editor, even with a cycle."""

from __future__ import annotations

from workstream.analysis import analyze
from workstream.executor.plan import graph_plan
from workstream.render import as_json, dot, mermaid


def model(text: str):  # type: ignore[no-untyped-def]
    result = analyze(text).model
    assert result is not None
    return result


def test_waves_and_critical_path() -> None:
    plan = graph_plan(
        model(
            '{"id": "w", "steps": [{"id": "a", "run": "x"}, {"id": "b", "run": "x", "depends_on": '
            '["a"]}, {"id": "c", "run": "x"}]}'
        )
    )
    assert plan.waves == (("a", "c"), ("b",)) and plan.critical_path == ("a", "b")
    text = mermaid(plan)
    assert text.startswith("flowchart LR\n") and "s0 ==> s1" in text
    assert '"b" [color=red' in dot(plan) and '"critical_path": [' in as_json(plan)


def test_a_cycle_still_renders_its_steps_and_edges() -> None:
    plan = graph_plan(
        model(
            '{"id": "w", "steps": [{"id": "a", "run": "x", "depends_on": ["b"]}, '
            '{"id": "b", "run": "x", "depends_on": ["a"]}]}'
        )
    )
    assert plan.waves == () and plan.critical_path == ()
    text = mermaid(plan)
    assert 's0["a"]' in text and 's1["b"]' in text
    assert "s1 --> s0" in text and "s0 --> s1" in text
