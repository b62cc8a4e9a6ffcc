"""Every sample, checked end to end: the exact findings (code, line, offending token)."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLES
from workstream.analysis import analyze
from workstream.textpos import LineIndex

CLEAN = [
    "02-parallel-execution.workstream.json",
    "diamond.workstream.json",
    "fan-out.workstream.json",
    "custom-tool.workstream.json",
    "parallel-groups.workstream.json",
    "step-groups.workstream.json",
    "circuit-breaker.workstream.json",
    "run-timeout.workstream.json",
    "resources.workstream.json",
    "advanced/dynamic-parallelism.workstream.json",
    "advanced/step-groups.workstream.json",
    "advanced/conditional-parallelism.workstream.json",
    "candidates/candidates.workstream.json",
    "cluster/seed-example.workstream.json",
]

# (code, 1-based line, exact text of the range)
EXPECTED: dict[str, list[tuple[str, int, str]]] = {
    "mistakes/syntax.workstream.json": [
        ("WS001", 10, '"files"'),
        ("WS102", 14, '"s10"'),
    ],
    "mistakes/schema.workstream.json": [
        ("WS002", 5, "0"),
        ("WS002", 5, '"paralel"'),
        ("WS002", 5, '"5m"'),
        ("WS002", 7, '"dependson"'),
        ("WS002", 8, "-1"),
        ("WS002", 9, "{"),
        ("WS002", 10, "42"),
    ],
    "mistakes/graph.workstream.json": [
        ("WS102", 8, '"modles"'),
        ("WS103", 9, '"views"'),
        ("WS105", 9, '"models"'),
        ("WS106", 10, '"schema"'),
        ("WS101", 11, '"models"'),
        ("WS104", 12, '"format"'),
        ("WS104", 13, '"typecheck"'),
        ("WS104", 14, '"lint"'),
        ("WS107", 15, '"fixtures"'),
    ],
    "mistakes/groups.workstream.json": [
        ("WS108", 11, '"rendr"'),
        ("WS110", 12, '"lint"'),
        ("WS111", 13, '"render"'),
        ("WS109", 13, '"parse"'),
    ],
    "mistakes/scopes.workstream.json": [
        ("WS201", 6, '"src/api/*.py"'),
        ("WS201", 7, '"src/api/auth.py"'),
        ("WS202", 9, '"../shared/lib.py"'),
        ("WS202", 9, '"/etc/hosts"'),
        ("WS203", 10, '"cleanup"'),
    ],
    "mistakes/settings.workstream.json": [
        ("WS204", 4, '"build/trees"'),
        ("WS205", 4, '"../../.ssh/id_rsa"'),
        ("WS207", 4, '"~"'),
        ("WS209", 5, "\"${env.CI = 'true'}\""),
        ("WS210", 5, '"${env.WORKSTREAM_SAMPLE_UNSET}"'),
        ("WS211", 6, '"keep_ignored"'),
        ("WS212", 6, '"2TiB"'),
        ("WS206", 8, '"--help"'),
        ("WS304", 9, '"A=B"'),
        ("WS304", 9, '"GIT_DIR"'),
        ("WS207", 10, '"cache"'),
    ],
    "mistakes/tools-and-ids.workstream.json": [
        ("WS301", 4, '"ws mistakes: tools"'),
        ("WS305", 8, '"{prompt}"'),
        ("WS306", 8, '"--id={step}"'),
        ("WS208", 9, '"../outside"'),
        ("WS208", 9, '".cache"'),
        ("WS301", 12, '"fix bug"'),
        ("WS302", 13, '"cluade"'),
        ("WS303", 14, '"shell-without-run"'),
        ("WS303", 15, '"ai-without-tasks"'),
        ("WS301", 17, '"release.lock"'),
        ("WS307", 18, '"--help"'),
    ],
    "mistakes/candidates.workstream.json": [
        ("WS308", 7, '"aidr"'),
        ("WS308", 8, '{ "env": { "MODE": "b" } }'),
        ("WS308", 9, '"GIT_DIR"'),
        ("WS309", 10, '"first"'),
    ],
}


def _found(name: str) -> list[tuple[str, int, str]]:
    text = (SAMPLES / name).read_text("utf-8")
    index = LineIndex(text)
    return [
        (f.code, index.position(f.span.start)[0] + 1, text[f.span.start : f.span.end])
        for f in analyze(text).findings
    ]


@pytest.mark.parametrize("name", CLEAN)
def test_clean_samples_have_no_findings(name: str) -> None:
    assert _found(name) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_mistake_samples_give_exactly_the_expected_findings(name: str) -> None:
    assert _found(name) == EXPECTED[name]


def test_every_sample_is_covered() -> None:
    on_disk = {str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.workstream.json")}
    assert on_disk == set(CLEAN) | set(EXPECTED)


def test_every_static_code_is_produced_by_some_sample() -> None:
    from workstream.findings import CODES

    codes = {code for findings in EXPECTED.values() for code, _, _ in findings}
    assert codes == {c for c in CODES if not c.startswith("WS5")}  # WS5xx come from runs
    assert codes == {
        "WS001",
        "WS002",
        "WS101",
        "WS102",
        "WS103",
        "WS104",
        "WS105",
        "WS106",
        "WS107",
        "WS108",
        "WS109",
        "WS110",
        "WS111",
        "WS201",
        "WS202",
        "WS203",
        "WS204",
        "WS205",
        "WS206",
        "WS207",
        "WS208",
        "WS209",
        "WS210",
        "WS211",
        "WS212",
        "WS301",
        "WS302",
        "WS303",
        "WS304",
        "WS305",
        "WS306",
        "WS307",
        "WS308",
        "WS309",
    }
