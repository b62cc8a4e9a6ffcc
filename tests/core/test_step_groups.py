"""step_groups in the checks: each mistake on its own token (WS108-WS111), a group id in
depends_on is a dependency on every step of the group (graph, cycles, WS102, WS103), and odd
values never raise."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workstream.analysis import analyze
from workstream.graph import StepGraph
from workstream.model import build


def s(step_id: str, *deps: str) -> dict[str, Any]:
    return {"id": step_id, "run": "true", "files": [], "depends_on": list(deps)}


def found(steps: list[dict[str, Any]], groups: Any) -> list[tuple[str, str, str]]:
    text = json.dumps({"id": "ws", "steps": steps, "step_groups": groups}, indent=1)
    return [
        (f.code, text[f.span.start : f.span.end], f.message)
        for f in analyze(text).findings
        if f.code not in ("WS201", "WS203")
    ]


def test_a_valid_file_has_no_findings() -> None:
    steps = [s("a"), s("b"), s("c", "utils")]
    groups = [{"id": "utils", "steps": ["a", "b"], "execute": "sequential", "max_workers": 1}]
    assert found(steps, groups) == []


def test_each_mistake_on_its_token() -> None:
    steps = [s("a"), s("b", "a"), s("c")]
    groups = [
        {"id": "one", "steps": ["a", "bb"]},
        {"id": "c", "steps": ["c"]},
        {"id": "one", "steps": ["a", "c", "c"]},
        {"id": "seq", "steps": ["b", "a"], "execute": "sequential"},
    ]
    got = [(code, token) for code, token, _ in found(steps, groups)]
    assert got == [
        ("WS108", '"bb"'),
        ("WS110", '"c"'),
        ("WS110", '"one"'),
        ("WS109", '"a"'),
        ("WS109", '"c"'),
        ("WS109", '"c"'),
        ("WS111", '"b"'),
        ("WS109", '"a"'),
    ]
    messages = {code: message for code, _, message in found(steps, groups)}
    assert (
        messages["WS108"] == "Step group 'one' lists 'bb', which is not a step. Did you mean 'b'?"
    )
    assert messages["WS111"] == (
        "Step group 'seq' runs 'b' before 'a', but 'b' depends on 'a': neither could start. "
        "List 'a' first."
    )


def test_a_sequential_order_against_the_parallel_group_barriers() -> None:
    # c (group 3) first, then a (group 1): a waits for c, c waits for group 1 to finish
    steps = [{**s("a"), "parallel_group": 1}, {**s("c"), "parallel_group": 3}, s("x")]
    groups = [{"id": "seq", "steps": ["x", "c", "a"], "execute": "sequential"}]
    assert found(steps, groups) == [
        (
            "WS111",
            '"c"',
            "Step group 'seq' runs 'c' before 'a' (parallel_group 1), but 'c' is in "
            "parallel_group 3, which starts only after group 1 finished: neither could start. "
            "List 'a' first.",
        )
    ]
    # through a dependency: x waits for c
    through = [*steps[:2], s("x", "c")]
    order = [{"id": "seq", "steps": ["x", "a"], "execute": "sequential"}]
    assert [(code, token) for code, token, _ in found(through, order)] == [("WS111", '"x"')]
    assert "but 'x' waits for 'c' which is in parallel_group 3" in found(through, order)[0][2]
    groups = [{"id": "seq", "steps": ["a", "x", "c"], "execute": "sequential"}]
    assert found(steps, groups) == []  # the barriers' order
    assert found(steps, [{"id": "par", "steps": ["c", "a"]}]) == []  # parallel: no order


def test_a_group_in_depends_on_means_its_steps() -> None:
    raw = {
        "id": "ws",
        "steps": [s("a"), s("b"), s("c", "g")],
        "step_groups": [{"id": "g", "steps": ["b", "a"]}],
    }
    model = build(raw)
    assert model is not None
    assert model.expand(("g",)) == ("b", "a") and model.expand(("a", "g")) == ("a", "b")
    graph = StepGraph(model)
    assert graph.depends_on(graph.index["c"], graph.index["a"])
    assert graph.entry_position(model.steps[2], "a") == 0


def test_cycles_and_self_through_a_group() -> None:
    got = found([s("a", "g"), s("b", "a")], [{"id": "g", "steps": ["b"]}])
    assert [(code, token) for code, token, _ in got] == [("WS104", '"g"'), ("WS104", '"a"')]
    got = found([s("a", "g"), s("b")], [{"id": "g", "steps": ["a", "b"]}])
    assert [(code, token) for code, token, _ in got] == [("WS103", '"g"')]
    got = found([s("a", "gg")], [{"id": "g", "steps": ["a"]}])
    assert [code for code, _, _ in got] == ["WS102"]


@pytest.mark.parametrize(
    "groups",
    [
        "x",
        None,
        [1, "a", None],
        [{"id": 3, "steps": "a"}],
        [{"steps": ["a"]}],
        [{"id": "g", "steps": [1, None, "a"], "execute": "sideways", "max_workers": -1}],
        [{"id": "", "steps": []}],
    ],
)
def test_odd_values_are_schema_findings_not_errors(groups: Any) -> None:
    codes = {code for code, _, _ in found([s("a")], groups)}
    assert codes <= {"WS002", "WS108", "WS110"}
