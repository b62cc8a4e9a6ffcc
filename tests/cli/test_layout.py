"""The layout rules on their own: middle elision that keeps rows apart, columns dropped in
their fixed order, detail lines cut to the table."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workstream.commands.layout import (
    LIVE_PLAN,
    SUMMARY_PLAN,
    elide_ids,
    elide_middle,
    fit_columns,
    fit_middle,
)

NATURAL = {"icon": 1, "id": 34, "status": 9, "time": 5, "commit": 12, "message": 40}


def test_ids_are_elided_in_the_middle() -> None:
    assert elide_middle("step-01-generate-the-config-matrix", 14) == "step-0…-matrix"
    assert elide_middle("short", 14) == "short"
    assert fit_middle("run failed (exit 3); worktree kept", 20) == "run faile…ktree kept"


def test_ids_that_differ_only_in_the_middle_stay_apart() -> None:
    ids = [f"step-{n:02d}-generate-the-config-matrix" for n in range(12)]
    shown = elide_ids(ids, 14)
    assert len(set(shown.values())) == len(ids)
    for step_id, text in shown.items():
        head, tail = text.split("…")
        assert len(text) == 14 and step_id.startswith(head) and step_id.endswith(tail)


@given(st.lists(st.text("ab-", min_size=1, max_size=30), min_size=1, max_size=8, unique=True))
def test_elided_ids_are_distinct_whenever_they_can_be(ids: list[str]) -> None:
    shown = elide_ids(ids, 12)
    assert all(len(text) <= 12 for text in shown.values())
    assert len(set(shown.values())) == len(ids)


def test_summary_columns_go_in_their_fixed_order() -> None:
    def kept(width: int) -> list[str]:
        return list(fit_columns(NATURAL, width, SUMMARY_PLAN, per_column=3, fixed=1))

    assert kept(130) == ["icon", "id", "status", "time", "commit", "message"]
    assert kept(110) == ["icon", "id", "status", "time", "commit", "message"]  # shrunk
    assert kept(90) == ["icon", "id", "status", "time", "message"]  # the commit goes first
    assert kept(75) == ["icon", "id", "status", "time"]  # then the message
    assert kept(62) == ["icon", "id", "status", "time"]
    assert kept(55) == ["icon", "id", "status"]  # then the time
    assert kept(30) == ["icon", "id", "status"]  # then the id is elided
    assert kept(25) == ["icon", "id"]  # the status word last; the icon and the id stay
    widths = fit_columns(NATURAL, 50, SUMMARY_PLAN, per_column=3, fixed=1)
    assert widths["id"] == 30 and sum(widths.values()) + 3 * len(widths) + 1 <= 50
    assert fit_columns(NATURAL, 20, SUMMARY_PLAN, per_column=3, fixed=1)["id"] >= 1


def test_the_live_board_keeps_id_and_state_longest() -> None:
    natural = {"icon": 1, "id": 34, "status": 9, "time": 5, "line": 60}
    for width in range(20, 140):
        widths = fit_columns(natural, width, LIVE_PLAN, per_column=1, fixed=-1)
        assert "icon" in widths and "id" in widths
        assert sum(widths.values()) + len(widths) - 1 <= width
        if width >= 50:
            assert "status" in widths and widths["id"] >= 30


def test_a_quiet_running_step_says_for_how_long() -> None:
    from workstream.commands.live import QUIET_S, _cells, _Row

    now = 1000.0
    quiet = _cells(_Row("running", started=now - 130, heard=now - QUIET_S - 5, line="x"), now)
    assert quiet.cells["line"].text == f"quiet {int(QUIET_S) + 5}s · x"
    busy = _cells(_Row("running", started=now - 130, heard=now - 1, line="x"), now)
    assert busy.cells["line"].text == "x" and busy.cells["time"].text == "2m10s"
