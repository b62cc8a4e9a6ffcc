"""Unit tests of the server's pure parts: the document store, offset mapping, and queries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workstream.analysis import analyze
from workstream.lsp.diagnostics import analyse
from workstream.lsp.documents import Document
from workstream.lsp.query import (
    completion_candidates,
    path_at,
    references,
    rename_edits,
    rename_problem,
    target_at,
)
from workstream.lsp.quick_fixes import fixes
from workstream.lsp.snapshot import diff
from workstream.textpos import BLOCK, LineIndex

ALPHABET = st.sampled_from(["a", "b", " ", "\n", "\r\n", "\r", "é", "😀"])
TEXTS = st.lists(ALPHABET, max_size=25).map("".join)
EDIT = st.tuples(
    st.integers(-1, 12),
    st.integers(0, 6),
    st.integers(0, 4),
    st.integers(0, 6),
    TEXTS,
    st.sampled_from(["utf-8", "utf-16", "utf-32"]),
)


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.lists(EDIT, max_size=6))
def test_incremental_edits_match_a_fresh_line_index(text: str, edits: list) -> None:  # type: ignore[type-arg]
    doc = Document("u", 1, text)
    for line, column, lines_down, end_column, inserted, encoding in edits:
        index = LineIndex(doc.text)
        start = index.offset(line, column, encoding)
        end = max(start, index.offset(line + lines_down, end_column, encoding))
        expected = doc.text[:start] + inserted + doc.text[end:]
        doc.replace_range((line, column), (line + lines_down, end_column), inserted, encoding)
        assert doc.text == expected
        fresh = LineIndex(expected)
        assert doc.lines.starts() == fresh.starts
        for offset in range(len(expected) + 1):
            assert doc.position_of(offset, encoding) == fresh.position(offset, encoding)


def naive_position(text: str, offset: int, encoding: str) -> tuple[int, int]:
    """(line, column) by scanning the line from its start (what the index must agree with)."""
    index = LineIndex(text)
    line = index.line_of(offset)
    prefix = text[index.starts[line] : offset]
    if encoding == "utf-16":
        return line, len(prefix.encode("utf-16-le", "surrogatepass")) // 2
    if encoding == "utf-8":
        return line, len(prefix.encode("utf-8", "surrogatepass"))
    return line, len(prefix)


def long_lines(unit: str, extra: int, middle: str) -> str:
    """Two lines longer than two blocks of the code-unit table (``middle`` may break more)."""
    unit = unit.replace("\r", "").replace("\n", "") or "é😀a"
    line = unit * ((2 * BLOCK + extra) // len(unit) + 1)
    return line + middle + line


LONG = st.builds(long_lines, TEXTS, st.integers(0, 3 * BLOCK), TEXTS)


@settings(max_examples=60, deadline=None)
@given(LONG, st.lists(st.integers(0, 20 * BLOCK), min_size=1, max_size=40))
def test_positions_on_long_lines_agree_with_a_scan_from_the_line_start(
    text: str, offsets: list[int]
) -> None:
    index = LineIndex(text)
    offsets = [min(offset, len(text)) for offset in offsets]
    for encoding in ("utf-8", "utf-16", "utf-32"):
        batch = index.positions(offsets, encoding)  # type: ignore[arg-type]
        for offset in offsets:
            expected = naive_position(text, offset, encoding)
            assert index.position(offset, encoding) == expected  # type: ignore[arg-type]
            assert batch[offset] == expected
            if offset and text[offset - 1 : offset + 1] == "\r\n":
                continue  # between \r and \n is not a position of its own
            assert index.offset(*expected, encoding) == offset  # type: ignore[arg-type]


def test_a_column_inside_a_character_is_the_offset_after_it() -> None:
    text = "a😀b" * BLOCK
    index = LineIndex(text)
    far = 3 * (BLOCK - 1)  # the start of the last "a😀b", far along the line
    assert index.offset(0, (far // 3) * 4 + 2, "utf-16") == far + 2  # half of the surrogate pair
    assert index.offset(0, (far // 3) * 6 + 2, "utf-8") == far + 2  # one byte into the emoji
    assert index.offset(0, 10**9, "utf-16") == len(text)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.lists(st.lists(EDIT, min_size=1, max_size=3), max_size=6))
def test_the_edit_log_knows_how_the_text_moved_since_any_version(
    text: str,
    notifications: list,  # type: ignore[type-arg]
) -> None:
    doc = Document("u", 1, text)
    texts = {1: text}
    for version, edits in enumerate(notifications, start=2):
        for line, column, lines_down, end_column, inserted, encoding in edits:
            doc.replace_range((line, column), (line + lines_down, end_column), inserted, encoding)
        doc.version = version
        texts[version] = doc.text
    for version, old in texts.items():
        change = doc.change_since(version)
        assert change is not None
        assert old[: change.start] == doc.text[: change.start]
        assert old[change.old_end :] == doc.text[change.new_end :]
        assert change.start <= change.old_end <= len(old)
        assert change.start <= change.new_end <= len(doc.text)
    doc.replace_all("new")
    assert doc.change_since(doc.version) is None


@given(TEXTS, TEXTS)
def test_diff_finds_the_one_changed_region(old: str, new: str) -> None:
    change = diff(old, new)
    assert old[: change.start] == new[: change.start]
    assert old[change.old_end :] == new[change.new_end :]
    assert change.start <= change.old_end and change.start <= change.new_end


TEXT = """{
  "id": "w",
  "description": "plain",
  "steps": [
    {"id": "a", "description": "first", "run": "x", "files": ["a"]},
    {"id": "b", "run": "y", "depends_on": ["a", "a"], "files": ["b"]},
    {"id": "c", "run": "z", "depends_on": ["b", "zz", "c"], "files": ["a"]}
  ]
}
"""


def test_targets_and_paths() -> None:
    analysis = analyze(TEXT)
    at = TEXT.index('"b", "zz"') + 1
    target = target_at(analysis, at)
    assert target is not None and (target.kind, target.name, target.position) == (
        "dependency",
        "b",
        0,
    )
    assert path_at(analysis.parsed, TEXT.index('"id": "c"'))[1] is True  # on the key
    assert target_at(analysis, TEXT.index("plain")) is None


def test_references_and_rename() -> None:
    analysis = analyze(TEXT)
    spans = references(analysis, "a")
    assert [TEXT[s.start : s.end] for s in spans] == ['"a"'] * 3
    assert len(rename_edits(analysis, "a", "alpha")) == 3
    assert rename_problem(analysis, "a", "b") is not None
    assert rename_problem(analysis, "a", "no way") is not None
    assert rename_problem(analysis, "a", "fine-name") is None


def test_completion_excludes_self_listed_and_cycles() -> None:
    snapshot_analysis = analyze(TEXT)
    from workstream.graph import StepGraph

    graph = StepGraph(snapshot_analysis.model)  # type: ignore[arg-type]
    at = TEXT.index('["a", "a"]') + 1
    names = {c.label for c in completion_candidates(snapshot_analysis, graph, at)}
    assert names == set()  # b: itself no, a listed, c depends on b (cycle)


def test_fixes_remove_entries_with_their_comma() -> None:
    analysis = analyze(TEXT)
    ws105 = next(f for f in analysis.findings if f.code == "WS105")
    [fix] = fixes(analysis, ws105)
    [(span, new)] = fix.edits
    assert new == "" and TEXT[: span.start] + TEXT[span.end :] == TEXT.replace(
        '["a", "a"]', '["a"]'
    )
    ws103 = next(f for f in analysis.findings if f.code == "WS103")
    [(span, _)] = fixes(analysis, ws103)[0].edits
    assert '["b", "zz"]' in TEXT[: span.start] + TEXT[span.end :]


def test_the_worker_analyses_incrementally_and_exactly() -> None:
    first = analyse(1, TEXT)
    inside = TEXT.index("first") + 2
    typed = TEXT[:inside] + "x" + TEXT[inside:]
    second = analyse(2, typed, first.analysis)
    assert second.analysis.text == typed
    # incremental: the steps the edit did not touch are shared with the previous analysis
    old_steps, new_steps = (
        first.analysis.parsed.value["steps"],
        second.analysis.parsed.value["steps"],
    )
    assert new_steps[1] is old_steps[1] and new_steps[0] is not old_steps[0]
    assert second.findings == analyze(typed).findings
    # an edit the core declines (here: breaking the JSON) falls back to the full analysis
    broken = typed.replace("{", "", 1)
    third = analyse(3, broken, second.analysis)
    assert third.findings == analyze(broken).findings
