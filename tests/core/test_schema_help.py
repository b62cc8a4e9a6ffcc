"""The schema read for the editor: every key documented, walked through refs and branches."""

from __future__ import annotations

from workstream.analysis.schema_help import describe_key, key_help, keys_at, schema_at, values_at
from workstream.jsonc import Path


def _keys(path: Path) -> list[Path]:
    """The key paths the schema declares in the object at ``path``."""
    return [(*path, key.name) for key in keys_at(path)]


def test_every_key_of_the_format_has_a_hover() -> None:
    todo: list[Path] = [()]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        for key in _keys(path):
            if key in seen:
                continue
            seen.add(key)
            text = describe_key(key)
            assert text is not None and len(text.splitlines()) >= 3, key  # a description
            todo += [key, (*key, 0), (*key, "some-tool")]
    assert ("steps", 0, "candidates", 0, "attempts") in seen
    assert ("tools", "some-tool", "command") in seen
    assert ("steps", 0, "select", "better") in seen  # inside one branch of a oneOf
    assert len(seen) > 50


def test_a_required_key_says_so() -> None:
    found = key_help(("tools", "mine", "command"))
    assert found is not None and found.required
    assert "required" in (describe_key(("tools", "mine", "command")) or "")
    assert "`tools.<name>.command`" in (describe_key(("tools", "mine", "command")) or "")


def test_keys_left_exclude_those_present() -> None:
    names = [k.name for k in keys_at(("execution",), ["reuse", "sandbox"])]
    assert "max_workers" in names and "reuse" not in names and "sandbox" not in names


def test_unknown_places_have_nothing() -> None:
    assert schema_at(("steps", 0, "nonsense")) == []
    assert describe_key(("nonsense",)) is None
    assert keys_at(("steps", "not-an-index")) == []
    assert values_at(("id",)) == []


def test_values_follow_the_schema() -> None:
    assert [v.value for v in values_at(("step_groups", 0, "execute"))] == ["parallel", "sequential"]
    assert [v.value for v in values_at(("execution", "reuse"))] == ["clean", "keep-ignored", False]
    assert {True, False} <= {v.value for v in values_at(("execution", "fail_fast"))}
