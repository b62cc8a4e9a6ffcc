"""The model checks one by one: messages that name the steps, exact ranges, related info."""

from __future__ import annotations

import json

from workstream.analysis import analyze
from workstream.findings import Finding, Severity


def doc(*steps: dict[str, object], **top: object) -> str:
    return json.dumps({"id": "ws", **top, "steps": list(steps)}, indent=1)


def step(
    step_id: str, *deps: str, files: list[str] | None = None, **extra: object
) -> dict[str, object]:
    out: dict[str, object] = {"id": step_id, "run": "true", "depends_on": list(deps)}
    out["files"] = files if files is not None else [f"{step_id}.txt"]
    out.update(extra)
    return out


def found(text: str, code: str) -> list[tuple[Finding, str]]:
    return [(f, text[f.span.start : f.span.end]) for f in analyze(text).findings if f.code == code]


def test_undefined_dependency_suggests_the_close_id() -> None:
    text = doc(step("step-a"), step("b", "stpe-a"))
    [(f, token)] = found(text, "WS102")
    assert token == '"stpe-a"'
    assert f.message == "Step 'b' depends on 'stpe-a', which is not defined. Did you mean 'step-a'?"
    assert f.severity is Severity.ERROR
    assert f.data["suggestions"] == ["step-a"]


def test_undefined_dependency_without_a_close_id_says_how_to_fix() -> None:
    [(f, _)] = found(doc(step("a", "zzzzzz")), "WS102")
    assert "Define it, or remove this entry" in f.message


def test_duplicate_ids_point_at_the_first() -> None:
    text = doc(step("a"), step("b"), step("a"), step("a"))
    dups = found(text, "WS101")
    assert len(dups) == 2
    for f, token in dups:
        assert token == '"a"'
        [related] = f.related
        assert related.span.start == text.index('"a"')


def test_cycle_gets_one_finding_per_edge_with_the_whole_path() -> None:
    text = doc(step("a", "c"), step("b", "a"), step("c", "b"), step("d", "a"))
    cycles = found(text, "WS104")
    assert sorted(f.message for f, _ in cycles) == [
        "Dependency cycle: a → c → b → a. Remove one of these dependencies.",
        "Dependency cycle: b → a → c → b. Remove one of these dependencies.",
        "Dependency cycle: c → b → a → c. Remove one of these dependencies.",
    ]
    for f, _ in cycles:
        assert len(f.related) == 2  # the other two edges


def test_two_cycles_sharing_a_step_each_report_their_edges() -> None:
    text = doc(step("a", "b"), step("b", "a", "c"), step("c", "b"))
    messages = sorted(f.message.split(".")[0] for f, _ in found(text, "WS104"))
    assert messages == [
        "Dependency cycle: a → b → a",
        "Dependency cycle: b → a → b",
        "Dependency cycle: b → c → b",
        "Dependency cycle: c → b → c",
    ]


def test_a_long_cycle_is_found_without_enumerating_cycles() -> None:
    n = 3000
    steps = [step(f"s{i}", f"s{(i + 1) % n}") for i in range(n)]
    cycles = found(doc(*steps), "WS104")
    assert len(cycles) == n


def test_self_dependency_and_repeated_entry() -> None:
    text = doc(step("a"), step("b", "b", "a", "a"))
    [(self_dep, token)] = found(text, "WS103")
    assert token == '"b"' and "depends on itself" in self_dep.message
    [(twice, _)] = found(text, "WS105")
    assert twice.severity is Severity.WARNING
    assert twice.span.start == text.rindex('"a"')


def test_redundant_dependency_is_a_hint_naming_the_path() -> None:
    text = doc(step("a"), step("b", "a"), step("c", "a", "b"))
    [(f, token)] = found(text, "WS106")
    assert f.severity is Severity.HINT
    assert token == '"a"'
    assert f.message.startswith("Step 'c' already depends on 'a' through 'b'")


def test_file_conflict_between_parallel_steps_is_on_both_entries() -> None:
    text = doc(step("a", files=["src/*.py"]), step("b", files=["src/util.py"]))
    conflicts = found(text, "WS201")
    assert [token for _, token in conflicts] == ['"src/*.py"', '"src/util.py"']
    first, second = conflicts[0][0], conflicts[1][0]
    assert "'a'" in first.message and "'b'" in first.message
    assert first.data["conflicts"] == ["b"] and second.data["conflicts"] == ["a"]
    assert first.related[0].span == second.span


def test_no_conflict_when_one_depends_on_the_other_transitively() -> None:
    text = doc(
        step("a", files=["src/**"]), step("m", "a", files=[]), step("b", "m", files=["src/x.py"])
    )
    assert found(text, "WS201") == []


def test_conflict_kinds_of_globs() -> None:
    pairs = [
        (["src/**"], ["src/deep/x.py"]),
        (["src/*/x.py"], ["src/a/*.py"]),
        (["docs/[ab].md"], ["docs/a.md"]),
        (["lib/?.c"], ["lib/x.c"]),
        (["src"], ["src/a.py"]),
    ]
    for left, right in pairs:
        text = doc(step("a", files=left), step("b", files=right))
        assert len(found(text, "WS201")) == 2, (left, right)
    apart = [(["src/*.py"], ["src/a/b.py"]), (["a/*.md"], ["a/*.py"]), (["x.py"], ["y.py"])]
    for left, right in apart:
        text = doc(step("a", files=left), step("b", files=right))
        assert found(text, "WS201") == [], (left, right)


def test_scope_leaving_the_repository() -> None:
    text = doc(step("a", files=["../x", "/abs", "ok/../../no", "fine/x"]))
    assert [token for _, token in found(text, "WS202")] == ['"../x"', '"/abs"', '"ok/../../no"']


def test_unscoped_step_is_reported_only_when_it_can_run_alongside_another() -> None:
    alone = doc({"id": "a", "run": "true"}, step("b", "a"))
    assert found(alone, "WS203") == []
    parallel = doc({"id": "a", "run": "true"}, step("b"))
    [(f, token)] = found(parallel, "WS203")
    assert token == '"a"' and f.severity is Severity.INFORMATION


def test_ids_that_git_refuses() -> None:
    bad = [
        "a b",
        "a..b",
        "a~1",
        "a^",
        "a:b",
        "a?",
        "a*",
        "a[",
        "a\\b",
        "x.lock",
        ".hidden",
        "end.",
        "a/b",
        "@",
        "a@{b",
    ]
    for name in bad:
        text = doc(step(name))
        assert len(found(text, "WS301")) == 1, name
    for name in ["step-01_math.utils", "A1", "über"]:
        assert found(doc(step(name)), "WS301") == [], name


def test_unknown_tool_and_unrunnable_steps() -> None:
    text = doc(
        {"id": "a", "tool": "aidr", "tasks": ["x"], "files": []},
        {"id": "b", "files": []},
        {"id": "c", "tool": "aider", "files": []},
        {"id": "d", "tool": "fmt", "files": []},
        tools={"fmt": {"command": ["black", "{files}"]}},
    )
    [(unknown, token)] = found(text, "WS302")
    assert token == '"aidr"' and "Did you mean 'aider'?" in unknown.message
    assert sorted(token for _, token in found(text, "WS303")) == ['"b"', '"c"']


def test_every_finding_names_its_code_table_severity() -> None:
    from workstream.findings import CODES

    text = doc(step("a", "a", "zz"), step("a"))
    for f in analyze(text).findings:
        assert f.severity is CODES[f.code][0]


def test_schema_messages_keep_the_case_of_step_ids() -> None:
    [(f, token)] = found(doc(step("Build-API", timeout="soon")), "WS002")
    assert token == '"soon"'
    assert f.message == "'timeout' of step 'Build-API' must be a number, found a string."
    [(g, _)] = found(doc({"id": "MixedCase", "run": "x", "files": [], "tool": 3}), "WS002")
    assert g.message.startswith("'tool' of step 'MixedCase' must be")


def test_the_analysis_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    analyze(doc(step("a"), step("b", "a")))
    assert gc.isenabled() and gc.get_freeze_count() == 0  # nothing left out of collections
    gc.disable()
    try:
        analyze(doc(step("a")))
        assert not gc.isenabled()
    finally:
        gc.enable()
