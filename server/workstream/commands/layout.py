"""Tables that fit any terminal: columns dropped in a fixed order, ids elided in the middle.

Both ``run`` views (the live board and the final summary) and ``status`` lay out their rows
here, for the width they are given, and never let a cell wrap:

- a column first gives up width it does not need, then columns are dropped one at a time in a
  fixed order (:data:`SUMMARY_PLAN`, :data:`LIVE_PLAN`): the commit, then the message or
  latest line, then the time; the step id and the state icon are never dropped, the status
  word only when nothing else is left;
- once every droppable column is gone, long step ids are elided in the middle
  (``step-0…-matrix``), each one chosen so that no two rows read the same;
- what a dropped column would have said about a failure (its message, its saved commit)
  moves to a detail line under its row, cut to the width.

Widths are terminal cells (:func:`rich.cells.cell_len`), so wide characters count twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from rich.cells import cell_len
from rich.text import Text

ELLIPSIS = "…"
#: Terminal escape sequences (colours, cursor moves, OSC title and clipboard writes, DCS and
#: other string commands) and other control characters, C1 ones (U+0080-U+009F: a terminal
#: may read U+009B as CSI) included, which a step's output may hold: the CLI shows none of
#: them (a tab becomes a space).
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC
    r"|[\x00-\x1f\x7f-\x9f]"
)

#: One step of a layout plan: shrink a column to a width, or drop it.
Action: TypeAlias = tuple[Literal["shrink"], str, int] | tuple[Literal["drop"], str, int]

#: The summary table: the message shrinks, then the commit goes, then the message (a failed
#: row's moves to a line under it), then the time; only then is the id elided (down to 10
#: cells), and last the status word goes.
SUMMARY_PLAN: tuple[Action, ...] = (
    ("shrink", "message", 20),
    ("drop", "commit", 0),
    ("drop", "message", 0),
    ("drop", "time", 0),
    ("shrink", "id", 10),
    ("drop", "status", 0),
)

#: The live board: the latest line shrinks, then goes, then the time; then ids are elided
#: (down to 12 cells) and last the status word goes.
LIVE_PLAN: tuple[Action, ...] = (
    ("shrink", "line", 16),
    ("drop", "line", 0),
    ("drop", "time", 0),
    ("shrink", "id", 12),
    ("drop", "status", 0),
)

#: Columns that take back the room that dropping others left, in this order.
GROWERS = ("id", "message", "line")


def elide_middle(text: str, width: int, head: int | None = None) -> str:
    """``text`` in at most ``width`` characters, cut in the middle: ``step-0…matrix``."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    keep = width - 1
    first = keep // 2 if head is None else max(0, min(keep, head))
    return text[:first] + ELLIPSIS + (text[len(text) - (keep - first) :] if keep > first else "")


def elide_ids(ids: Iterable[str], width: int) -> dict[str, str]:
    """Each id in ``width`` characters, middle-elided, no two alike when that is possible."""
    ids = list(dict.fromkeys(ids))
    out = {i: i for i in ids if len(i) <= width}
    used = set(out.values())
    for step_id in ids:
        if step_id in out:
            continue
        keep = max(0, width - 1)
        middle = keep // 2
        shifts = [middle + d for k in range(keep + 1) for d in (-k, k)]
        choice = elide_middle(step_id, width)
        for head in dict.fromkeys(h for h in shifts if 0 <= h <= keep):
            candidate = elide_middle(step_id, width, head)
            if candidate not in used:
                choice = candidate
                break
        out[step_id] = choice
        used.add(choice)
    return out


def printable(text: str) -> str:
    """``text`` without escape sequences and control characters (a tab becomes a space).

    They are removed, not shown as ``^[``: what a step prints is then shown alike on the live
    board, in its tables and in plain lines, to a pipe or a terminal, and no byte of it can
    drive the terminal (an OSC 52 clipboard write, a title, a cleared screen) or fake a line
    of the run's own. The step's log keeps every byte as it came."""
    return _CONTROL.sub(lambda m: " " if m.group() == "\t" else "", text)


def width_of(text: str) -> int:
    """The cells ``text`` takes in a table (once :func:`printable`)."""
    return cell_len(printable(text))


def fit_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, cut in the middle so that its end stays."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    head_room = (width - 1) // 2
    tail_room = width - 1 - head_room
    head, tail = "", ""
    for char in text:
        if cell_len(head + char) > head_room:
            break
        head += char
    for char in reversed(text):
        if cell_len(char + tail) > tail_room:
            break
        tail = char + tail
    return head + ELLIPSIS + tail


def fit_end(text: str, width: int) -> str:
    """``text`` cut at the end to ``width`` cells, with an ellipsis when cut."""
    if cell_len(text) <= width:
        return text
    cut = Text(text)
    cut.truncate(width, overflow="ellipsis")
    return cut.plain


def fit_columns(
    natural: Mapping[str, int],
    width: int,
    plan: Sequence[Action],
    per_column: int,
    fixed: int,
) -> dict[str, int]:
    """The width of each column kept (in ``natural``'s order) so that the row fits ``width``.

    A row costs the widths of its columns plus ``per_column`` for each (padding, borders) plus
    ``fixed``. The plan's actions apply in order until the row fits; then the growers take back
    what was left, up to their natural width; an id still too wide is cut to what is left.
    """
    widths = dict(natural)

    def total() -> int:
        return sum(widths.values()) + per_column * len(widths) + fixed

    for kind, key, floor in plan:
        if total() <= width:
            break
        if key not in widths:
            continue
        if kind == "drop":
            del widths[key]
        else:
            widths[key] = max(min(floor, widths[key]), widths[key] - (total() - width))
    for key in GROWERS:
        if key in widths and total() < width:
            widths[key] = min(natural[key], widths[key] + width - total())
    if total() > width and "id" in widths:
        widths["id"] = max(1, widths["id"] - (total() - width))
    return widths


@dataclass
class Cell:
    """One cell: its text, style and alignment."""

    text: str
    style: str = ""
    justify: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class Detail:
    """A line under a row: cut at the end, or in the middle (so that its end stays)."""

    text: str
    style: str = ""
    middle: bool = False

    def fit(self, width: int) -> Text:
        plain = printable(self.text)
        text = fit_middle(plain, width) if self.middle else fit_end(plain, width)
        return Text(text, style=self.style)


@dataclass
class Row:
    """A table row (cells by column key) and the detail lines shown under it."""

    cells: dict[str, Cell]
    details: list[Detail] = field(default_factory=list)


def _cell(cell: Cell | None, width: int) -> Text:
    if cell is None:
        return Text(" " * width)
    text = fit_end(printable(cell.text), width)
    pad = " " * (width - cell_len(text))
    if cell.justify == "right":
        return Text(pad) + Text(text, style=cell.style)
    return Text(text, style=cell.style) + Text(pad)


def grid_lines(rows: Sequence[Row], widths: Mapping[str, int]) -> list[Text]:
    """Rows as lines of cells separated by one space (the live board), trailing space cut."""
    lines: list[Text] = []
    for row in rows:
        line = Text(" ").join(_cell(row.cells.get(key), w) for key, w in widths.items())
        line.rstrip()
        lines.append(line)
        total = sum(widths.values()) + len(widths) - 1
        lines += [detail.fit(total) for detail in row.details]
    return lines


def box_lines(
    headers: Mapping[str, str],
    rows: Sequence[Row],
    widths: Mapping[str, int],
    border: str = "",
) -> list[Text]:
    """A table with a heavy header box, as rich draws one, whose detail lines span every column
    but the first."""
    keys = list(widths)

    def rule(left: str, mid: str, right: str, fill: str) -> Text:
        inner = mid.join(fill * (widths[k] + 2) for k in keys)
        return Text(left + inner + right, style=border)

    def line(cells: Iterable[Text], bar: str) -> Text:
        out = Text(bar, style=border)
        for cell in cells:
            out += Text(" ") + cell + Text(" ") + Text(bar, style=border)
        return out

    header = [_cell(Cell(headers.get(k, ""), "bold"), widths[k]) for k in keys]
    lines = [rule("┏", "┳", "┓", "━"), line(header, "┃"), rule("┡", "╇", "┩", "━")]
    span = sum(widths[k] + 3 for k in keys[1:]) - 3
    for row in rows:
        lines.append(line((_cell(row.cells.get(k), widths[k]) for k in keys), "│"))
        for detail in row.details:
            first = Text(" " * widths[keys[0]])
            if len(keys) == 1:
                continue
            text = detail.fit(span)
            lines.append(line([first, text + Text(" " * (span - text.cell_len))], "│"))
    lines.append(rule("└", "┴", "┘", "─"))
    return lines
