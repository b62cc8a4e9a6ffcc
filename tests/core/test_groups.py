"""WS107: a dependency that a parallel_group barrier makes impossible, on its own entry."""

from __future__ import annotations

import json
from typing import Any

from workstream.analysis import analyze


def ws107(*steps: dict[str, Any]) -> list[tuple[str, str]]:
    text = json.dumps({"id": "ws", "steps": list(steps)}, indent=1)
    return [
        (text[f.span.start : f.span.end], f.message)
        for f in analyze(text).findings
        if f.code == "WS107"
    ]


def s(step_id: str, group: int | None = None, *deps: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": step_id, "run": "true", "files": [], "depends_on": list(deps)}
    if group is not None:
        out["parallel_group"] = group
    return out


def test_a_direct_dependency_on_a_higher_group() -> None:
    assert ws107(s("a", 1, "b"), s("b", 2)) == [
        (
            '"b"',
            "Step 'a' (parallel_group 1) depends on 'b' in parallel_group 2, which starts only "
            "after group 1 finished: neither can ever run. Move one of them to another group, "
            "or remove this dependency.",
        )
    ]


def test_through_steps_without_a_group() -> None:
    got = ws107(s("a", 0, "x"), s("x", None, "y"), s("y", None, "b"), s("b", 3))
    assert [token for token, _ in got] == ['"x"']
    assert "depends on 'x', which waits for 'b' in parallel_group 3" in got[0][1]


def test_through_a_step_group_id() -> None:
    text = json.dumps(
        {
            "id": "ws",
            "steps": [s("a", 1, "utils"), s("b", 2), s("c", 3), s("d", 4, "utils")],
            "step_groups": [{"id": "utils", "steps": ["b", "c"]}],
        },
        indent=1,
    )
    found = [f for f in analyze(text).findings if f.code == "WS107"]
    assert [(text[f.span.start : f.span.end], f.message) for f in found] == [
        (
            '"utils"',
            "Step 'a' (parallel_group 1) depends on 'utils', a step group with 'c' in "
            "parallel_group 3, which starts only after group 1 finished: neither can ever "
            "run. Move one of them to another group, or remove this dependency.",
        )
    ]
    assert found[0].span.start == text.index('"utils"')  # a's entry, not d's


def test_what_is_fine() -> None:
    assert ws107(s("a", 2, "b"), s("b", 1)) == []  # a higher group after a lower one
    assert ws107(s("a", 1, "b"), s("b", 1)) == []  # within one group
    assert ws107(s("a", None, "b"), s("b", 5)) == []  # no group: depends_on alone
    assert ws107(s("a", 1, "missing"), s("b", 2)) == []  # WS102's


def test_a_cycle_is_left_to_ws104() -> None:
    assert ws107(s("a", 1, "b"), s("b", 2, "a")) == []
