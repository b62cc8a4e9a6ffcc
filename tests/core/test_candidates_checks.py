"""Candidates in the checks: each mistake on its own token (WS308, WS309), the schema's
bounds (WS002), the model built from odd values, and the incremental analysis agreeing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workstream.analysis import analyze
from workstream.analysis.incremental import reanalyze
from workstream.candidates import Select
from workstream.model import build


def found(*steps: dict[str, Any]) -> list[tuple[str, str, str]]:
    text = json.dumps({"id": "ws", "steps": list(steps)}, indent=1)
    return [
        (f.code, text[f.span.start : f.span.end], f.message)
        for f in analyze(text).findings
        if f.code not in ("WS201", "WS203")
    ]


def test_a_valid_step_with_candidates_has_no_findings() -> None:
    step = {
        "id": "fast",
        "candidates": [{"run": "make a"}, {"run": ["make", "b"], "env": {"X": "1"}, "attempts": 2}],
        "select": {"score": "cat score", "better": "higher"},
        "files": [],
    }
    assert found(step) == []
    assert found({**step, "select": "first"}) == []


def test_a_step_may_leave_run_to_its_candidates_but_each_must_have_one() -> None:
    step = {"id": "s", "candidates": [{"run": "true"}, {"env": {"A": "b"}}], "files": []}
    got = found(step)
    # on the whole candidate object
    assert [(code, token) for code, token, _ in got] == [
        ("WS308", '{\n     "env": {\n      "A": "b"\n     }\n    }')
    ]
    assert got[0][2] == (
        "Step 's', candidate 2 runs with the shell tool but neither it nor the step has a "
        '"run" command. Give it "run".'
    )
    # WS303 is not reported on the step itself
    assert not any(code == "WS303" for code, _, _ in got)


def test_each_mistake_on_its_token() -> None:
    step = {
        "id": "s",
        "run": "true",
        "candidates": [
            {"tool": "aidr"},
            {"tool": "aider"},
            {"env": {"GIT_DIR": "x", "OK": "a\u0000b"}},
        ],
    }
    got = found(step, {"id": "t", "run": "true", "select": "first"})
    tokens = [(code, token) for code, token, _ in got]
    assert tokens[0] == ("WS308", '"aidr"')
    assert tokens[1] == ("WS308", '{\n     "tool": "aider"\n    }')
    assert tokens[2:] == [("WS308", '"GIT_DIR"'), ("WS308", '"a\\u0000b"'), ("WS309", '"first"')]
    messages = [message for _, _, message in got]
    assert (
        messages[0] == "Step 's', candidate 1 uses the unknown tool 'aidr'. Did you mean 'aider'?"
    )
    assert "needs a prompt" in messages[1]
    assert messages[4] == (
        'Step \'t\' has "select" but no "candidates": there is nothing to choose among. '
        'Add "candidates", or remove "select".'
    )


@pytest.mark.parametrize(
    "candidates",
    [[], [{"attempts": 0}], [{"attempts": 21}], [{"nope": 1}], [{}] * 21, [{"run": ""}]],
)
def test_the_schema_bounds(candidates: list[Any]) -> None:
    codes = [code for code, _, _ in found({"id": "s", "run": "true", "candidates": candidates})]
    assert "WS002" in codes


@pytest.mark.parametrize("select", ["last", {"better": "lower"}, {"score": "x", "better": "up"}])
def test_a_bad_select_is_a_schema_violation(select: Any) -> None:
    step = {"id": "s", "run": "true", "candidates": [{}], "select": select}
    assert "WS002" in [code for code, _, _ in found(step)]


def test_the_model_from_odd_values_never_raises() -> None:
    for value in (None, 3, "x", [1, None, "a", {"attempts": True}, {"attempts": 2.0}]):
        model = build({"id": "w", "steps": [{"id": "s", "candidates": value, "select": value}]})
        assert model is not None
        step = model.steps[0]
        assert step.units == (sum(c.attempts for c in step.candidates) or 1)
    model = build(
        {"id": "w", "steps": [{"id": "s", "candidates": [{"attempts": 3}, {"run": "x"}]}]}
    )
    assert model is not None and model.steps[0].units == 4
    assert model.steps[0].select is None
    model = build({"id": "w", "steps": [{"id": "s", "select": {"score": "c", "better": "higher"}}]})
    assert model is not None and model.steps[0].select == Select("score", "c", "higher")


def test_incremental_analysis_agrees_after_an_edit_inside_a_candidate() -> None:
    doc = {"id": "ws", "steps": [{"id": "s", "candidates": [{"run": "true"}], "files": []}]}
    text = json.dumps(doc, indent=1)
    before = analyze(text)
    start = text.index('"run": "true"')
    edited = text[:start] + '"env": {"A": "1"}' + text[start + len('"run": "true"') :]
    again = reanalyze(before, edited, start, start + len('"run": "true"'), start + 17)
    full = analyze(edited)
    assert [f.code for f in full.findings] == ["WS308"]
    if again is not None:
        assert [(f.code, f.span) for f in again.findings] == [
            (f.code, f.span) for f in full.findings
        ]


def test_ws307_judges_each_candidate_as_the_step_it_becomes() -> None:
    """A task starting with '-' for a tool that takes the prompt bare: on the candidate's own
    tasks or tool when it gives them, on the step's task once when candidates inherit both."""
    text = json.dumps(
        {
            "id": "ws",
            "tools": {"bare": {"command": ["agent", "-p", "{prompt}"]}},
            "steps": [
                {
                    "id": "s",
                    "tool": "aider",
                    "tasks": ["--help me"],
                    "files": [],
                    "candidates": [
                        {"tool": "bare"},  # the step's dashed task, its own bare tool
                        {"tool": "bare", "tasks": ["--version"]},
                        {"tasks": ["-x"]},  # aider puts "--" before the prompt
                        {"tool": "bare", "tasks": ["fine"]},
                    ],
                },
                {
                    "id": "t",
                    "tool": "bare",
                    "tasks": ["-a"],
                    "files": [],
                    "candidates": [{"env": {"A": "1"}}, {"env": {"B": "2"}}, {"tasks": ["ok"]}],
                },
            ],
        },
        indent=1,
    )
    got = [
        (f.code, text[f.span.start : f.span.end], f.span.start, f.message)
        for f in analyze(text).findings
        if f.code in ("WS305", "WS307")
    ]
    assert [(code, token) for code, token, _, _ in got] == [
        ("WS305", '"{prompt}"'),  # on the tool's command, for every user of the tool
        ("WS307", '"bare"'),
        ("WS307", '"--version"'),
        ("WS307", '"-a"'),
    ]
    candidates = text.index('"candidates"')
    assert got[1][2] > candidates and got[2][2] > candidates  # the candidates' own tokens
    assert got[3][2] == text.index('"-a"')  # the step's task, once for both inheriting
    assert got[1][3] == (
        "Step 's', candidate 1: its task starts with '-', and tool 'bare' takes the prompt as "
        'an argument of its own, where it would be read as an option. Put "--" before '
        '"{prompt}" in the tool\'s command, or reword the task.'
    )
    assert "candidate 2" in got[2][3] and "Step 't', candidate 1" in got[3][3]
    # without candidates the step's own WS307 stands, on its task
    plain = json.dumps(
        {
            "id": "ws",
            "tools": {"bare": {"command": ["agent", "-p", "{prompt}"]}},
            "steps": [{"id": "t", "tool": "bare", "tasks": ["-a"], "files": []}],
        },
        indent=1,
    )
    ws307 = [f for f in analyze(plain).findings if f.code == "WS307"]
    assert [plain[f.span.start : f.span.end] for f in ws307] == ['"-a"']
    assert ws307[0].message.startswith("Step 't': its task starts with '-'")


def test_incremental_analysis_agrees_after_a_dashed_task_in_a_candidate() -> None:
    text = json.dumps(
        {
            "id": "ws",
            "tools": {"bare": {"command": ["agent", "-p", "{prompt}"]}},
            "steps": [
                {"id": "s", "tool": "aider", "tasks": ["go"], "files": [], "candidates": [{}]}
            ],
        },
        indent=1,
    ).replace("{}", '{"tool": "bare", "tasks": ["x"]}')
    before = analyze(text)
    assert "WS307" not in [f.code for f in before.findings]
    at = text.index('"x"') + 1
    edited = text[:at] + "-" + text[at:]
    full = analyze(edited)
    assert [edited[f.span.start : f.span.end] for f in full.findings if f.code == "WS307"] == [
        '"-x"'
    ]
    again = reanalyze(before, edited, at, at, at + 1)
    assert again is not None
    assert [(f.code, f.span) for f in again.findings] == [(f.code, f.span) for f in full.findings]
