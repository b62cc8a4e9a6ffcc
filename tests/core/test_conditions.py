"""Conditional execution settings (``"${env.…}"``): parsing, resolution, the findings (WS209,
WS210, WS002) on their own token, the model's values, and what a run does with them."""

from __future__ import annotations

import json

import pytest

from workstream.analysis import analyze
from workstream.conditions import Expression, parse, resolve
from workstream.findings import CODES, Severity
from workstream.model import build

STEP = {"id": "a", "run": "true"}


def findings(execution: dict[str, object]) -> list[tuple[str, str, str]]:
    """(code, token, message) of each finding about ``execution`` in a one-step document."""
    text = json.dumps({"id": "ws", "execution": execution, "steps": [STEP]}, indent=1)
    return [
        (f.code, text[f.span.start : f.span.end], f.message)
        for f in analyze(text).findings
        if f.code in ("WS002", "WS209", "WS210")
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("${env.CI}", Expression("CI")),
        ("${ env.CI }", Expression("CI")),
        ("${env.MAX_WORKERS:-3}", Expression("MAX_WORKERS", "3")),
        ("${env.X:-}", Expression("X", "")),
        ("${env.CI == 'true'}", Expression("CI", None, "==", "true")),
        ("${env.CI=='true'}", Expression("CI", None, "==", "true")),
        ("${env.MODE != 'fast mode'}", Expression("MODE", None, "!=", "fast mode")),
    ],
)
def test_parse(text: str, expected: Expression) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "${env.CI",
        "${CI}",
        "${env.}",
        "${env.1X}",
        "${env.CI = 'x'}",
        "${env.CI == true}",
        "${env.CI == 'a'} ${env.B}",
        "x${env.CI}",
        "${env.A:-${env.B}}",
        "${env.CI == 'a' || env.B == 'b'}",
        "$(rm -rf ~)",
        "${env.X:-$(id)}x",
    ],
)
def test_malformed_is_refused(text: str) -> None:
    assert parse(text) is None
    assert resolve("max_workers", text, {}).malformed


@pytest.mark.parametrize(
    "setting,text,env,value",
    [
        ("max_workers", "${env.W:-3}", {}, 3),
        ("max_workers", "${env.W:-3}", {"W": ""}, 3),
        ("max_workers", "${env.W:-3}", {"W": "5"}, 5),
        ("max_workers", "${env.W}", {"W": "auto"}, "auto"),
        ("parallel", "${env.CI == 'true'}", {"CI": "true"}, True),
        ("parallel", "${env.CI == 'true'}", {}, False),
        ("parallel", "${env.CI != 'true'}", {}, True),
        ("fail_fast", "${env.FF}", {"FF": "Yes"}, True),
        ("sandbox", "${env.SB:-off}", {}, False),
        ("timeout_per_step", "${env.T:-2.5}", {}, 2.5),
        ("retries", "${env.R}", {"R": "0"}, 0),
        ("rate_limit_delay", "${env.D:-0}", {}, 0.0),
        ("base", "${env.BASE:-main}", {}, "main"),
    ],
)
def test_resolve(setting: str, text: str, env: dict[str, str], value: object) -> None:
    resolved = resolve(setting, text, env)
    assert resolved.problem is None and resolved.value == value
    assert type(resolved.value) is type(value)


@pytest.mark.parametrize(
    "setting,text,env,problem",
    [
        (
            "max_workers",
            "${env.W}",
            {},
            'resolves to empty here (${env.W} is unset), not an integer from 1 to 1024, or "auto"',
        ),
        ("max_workers", "${env.W}", {"W": "0"}, "resolves to '0' here, not an integer"),
        ("max_workers", "${env.W}", {"W": "2000"}, "resolves to '2000' here"),
        ("max_workers", "${env.W == 'x'}", {}, "resolves to 'false' here"),
        ("parallel", "${env.P}", {"P": "maybe"}, "resolves to 'maybe' here, not true or false"),
        ("retries", "${env.R}", {"R": "-1"}, "not a whole number from 0 to 100"),
        ("retries", "${env.R}", {"R": "101"}, "not a whole number from 0 to 100"),
        ("timeout_per_step", "${env.T}", {"T": "0"}, "not a number of seconds above 0"),
        ("timeout_per_step", "${env.T}", {"T": "nan"}, "not a number of seconds above 0"),
        ("timeout_per_step", "${env.T}", {"T": "1e9"}, "at most 604800"),
        ("rate_limit_delay", "${env.D}", {"D": "inf"}, "from 0 to 3600"),
        ("base", "${env.B}", {}, "not a git revision"),
    ],
)
def test_wrong_values(setting: str, text: str, env: dict[str, str], problem: str) -> None:
    resolved = resolve(setting, text, env)
    assert resolved.value is None and not resolved.malformed
    assert resolved.problem is not None and problem in resolved.problem, resolved.problem


def test_findings_are_on_their_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WS_TEST_W", raising=False)
    monkeypatch.setenv("WS_TEST_CI", "true")
    got = findings(
        {
            "parallel": "${env.WS_TEST_CI == 'true'}",
            "max_workers": "${env.WS_TEST_W}",
            "retries": "${env.WS_TEST_R:-2}",
            "base": "${env.WS_TEST_CI = 'x'}",
            "fail_fast": 3,
        }
    )
    assert got == [
        (
            "WS210",
            '"${env.WS_TEST_W}"',
            "execution.max_workers '${env.WS_TEST_W}' resolves to empty here "
            '(${env.WS_TEST_W} is unset), not an integer from 1 to 1024, or "auto".',
        ),
        (
            "WS209",
            "\"${env.WS_TEST_CI = 'x'}\"",
            "execution.base '${env.WS_TEST_CI = 'x'}' is not an expression Workstream reads: "
            "use ${env.NAME}, ${env.NAME:-default} or ${env.NAME == 'value'}.",
        ),
        (
            "WS002",
            "3",
            "'execution.fail_fast' must be true or false, found an integer "
            '(or a conditional "${env.…}").',
        ),
    ]
    monkeypatch.setenv("WS_TEST_W", "4")
    assert [code for code, _, _ in findings({"max_workers": "${env.WS_TEST_W}"})] == []


def test_codes_are_errors() -> None:
    assert CODES["WS209"][0] is Severity.ERROR and CODES["WS210"][0] is Severity.ERROR


def test_a_string_that_is_not_an_expression_is_still_a_type_error() -> None:
    got = findings({"parallel": "yes"})
    assert [(code, token) for code, token, _ in got] == [("WS002", '"yes"')]


def test_the_model_takes_the_values_of_now(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = {
        "id": "ws",
        "execution": {
            "parallel": "${env.WS_TEST_CI != 'true'}",
            "max_workers": "${env.WS_TEST_W:-3}",
            "timeout_per_step": "${env.WS_TEST_T}",
            "sandbox": "${env.WS_TEST_SB}",
        },
        "steps": [STEP],
    }
    monkeypatch.setenv("WS_TEST_CI", "true")
    monkeypatch.setenv("WS_TEST_SB", "banana")  # wrong: the default (on) stays
    monkeypatch.delenv("WS_TEST_W", raising=False)
    monkeypatch.delenv("WS_TEST_T", raising=False)
    model = build(raw)
    assert model is not None
    ex = model.execution
    assert ex.parallel is False and ex.max_workers == 3 and ex.workers == 1
    assert ex.timeout_per_step == 1800.0 and ex.sandbox is True
    assert ex.conditional == (
        ("parallel", "${env.WS_TEST_CI != 'true'}", "false"),
        ("max_workers", "${env.WS_TEST_W:-3}", "3"),
        ("timeout_per_step", "${env.WS_TEST_T}", ""),
        ("sandbox", "${env.WS_TEST_SB}", "banana"),
    )
    monkeypatch.setenv("WS_TEST_W", "auto")
    monkeypatch.setenv("WS_TEST_CI", "false")
    model = build(raw)
    assert model is not None and model.execution.max_workers is None
    assert model.execution.parallel is True
