"""Every face shows a status with the same mark, and none needs an emoji font."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from workstream.commands.summary import ICONS
from workstream.lsp.statuses import StepStatus, status_text
from workstream.status_marks import STATUS_MARKS

ROOT = Path(__file__).resolve().parents[2]


def test_the_extension_shows_the_same_marks() -> None:
    source = (ROOT / "extension" / "src" / "runs.ts").read_text(encoding="utf-8")
    table = re.search(r"const ICONS: Record<StepStatus, string> = \{(.*?)\};", source, re.S)
    assert table is not None
    marks = dict(re.findall(r"(\w+): '([^']*)'", table.group(1)))
    assert marks == STATUS_MARKS


def test_the_cli_and_the_lenses_show_the_same_marks() -> None:
    assert ICONS is STATUS_MARKS
    for status, mark in STATUS_MARKS.items():
        entry = StepStatus(status=status, duration_ms=100, message="", reason=None)
        assert status_text(entry).startswith(mark + " "), status


#: Every character below U+1F000 that Unicode presents as an emoji by default
#: (Emoji_Presentation=Yes in emoji-data.txt): without an emoji font they are an empty box.
EMOJI_BY_DEFAULT = set(
    "⌚⌛⏩⏪⏫⏬⏭⏮⏯⏰⏱⏲⏳⏸⏹⏺◽◾☔☕♈♉♊♋♌♍♎♏♐♑♒♓♿⚓⚡⚪⚫⚽⚾⛄⛅⛎⛔⛪⛲⛳⛵⛺⛽"
    "✅✊✋✨❌❎❓❔❕❗➕➖➗➰➿⬛⬜⭐⭕"
)


def test_no_mark_is_shown_as_an_emoji() -> None:
    for mark in STATUS_MARKS.values():
        assert len(mark) == 1 and ord(mark) < 0x1F000, unicodedata.name(mark)
        assert mark not in EMOJI_BY_DEFAULT, unicodedata.name(mark)
    assert "⏭" in EMOJI_BY_DEFAULT  # what the lenses showed before
