"""Formatting a JSONC document (comments and trailing commas kept), and its folding ranges.

:func:`format_jsonc` re-lays the tokens out the way VS Code's JSON formatter does: one member
or item per line, indented by ``indent``; ``{}`` and ``[]`` stay empty; one space after a
colon; every comment kept where it was relative to its neighbours (one that followed a token
on its line still does, the others get a line of their own); up to one blank line kept where
the source had any. Text with a syntax error is not formatted (None): a file being typed is
left as it is. :func:`folding_ranges` gives the line ranges of containers and block comments
that span lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PIECE = re.compile(
    r"""
    (?P<space>[ \t\r\n\ufeff]+)
  | (?P<line>//[^\n]*)
  | (?P<block>/\*(?:.|\n)*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<punct>[{}\[\]:,])
  | (?P<word>[^\s{}\[\]:,"/]+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Piece:
    kind: str  # line | block | string | punct | word
    text: str
    start: int
    newlines_before: int  # line breaks between the previous piece and this one


def _pieces(text: str) -> list[_Piece] | None:
    """The significant pieces of ``text`` (comments included); None on an unknown character."""
    out: list[_Piece] = []
    breaks = 0
    for match in _PIECE.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "space":
            breaks += match.group().count("\n")
            continue
        if kind == "other":
            return None
        out.append(_Piece(kind, match.group(), match.start(), breaks))
        breaks = 0
    return out


def format_jsonc(text: str, indent: str = "  ", syntax_ok: bool = True) -> str | None:
    """``text`` laid out anew, or None when it must not be (a syntax error, odd characters)."""
    pieces = _pieces(text) if syntax_ok else None
    if pieces is None:
        return None
    lines: list[str] = []
    line = ""
    depth = 0
    must_break = False  # the next piece starts a line (after an opening, a comma, a comment)
    after_colon = False
    previous: _Piece | None = None
    code: _Piece | None = None  # the previous piece that is not a comment
    after_block = False  # the previous piece was a block comment

    def start_line(blank: bool) -> None:
        nonlocal line
        if line.strip() or lines:
            lines.append(line.rstrip())
        if blank and lines and lines[-1] != "":
            lines.append("")
        line = indent * depth

    for piece in pieces:
        token, blank = piece.text, piece.newlines_before > 1
        closing = piece.kind == "punct" and token in "}]"
        if piece.kind in ("line", "block"):
            if previous is not None and piece.newlines_before == 0 and line.strip():
                line += " " + token  # it followed a token on its line: it still does
            else:
                start_line(blank and previous is not None)
                line += token
            must_break = must_break or piece.kind == "line"
            after_colon = False
            after_block = piece.kind == "block"
            previous = piece
            continue
        if after_block and piece.newlines_before > 0:
            must_break = True  # a line break after a block comment stays
        elif after_block and not must_break and piece.text not in (",", ":"):
            line += " "
        after_block = False
        if closing:
            depth -= 1
            empty = code is not None and code.kind == "punct" and code.text in "{["
            if not empty or (previous is not None and previous.kind == "line"):
                start_line(False)
            elif previous is not code:
                line += " "  # [ /* nothing yet */ ]
            line += token
            must_break = after_colon = False
        elif token in (",", ":") and piece.kind == "punct":
            if must_break:  # a comma after a line comment: it cannot share the comment's line
                start_line(False)
            line += token
            must_break, after_colon = token == ",", token == ":"
            previous = code = piece
            continue
        else:
            if must_break:
                start_line(blank)
            elif after_colon:
                line += " "
            line += token
            must_break = piece.kind == "punct" and token in "{["
            after_colon = False
            if must_break:
                depth += 1
        previous = code = piece
    start_line(False)
    return "\n".join(lines).strip("\n") + "\n"


@dataclass(frozen=True, slots=True)
class Fold:
    """Lines ``start`` to ``end`` (0-based) may fold; ``comment`` for a block comment."""

    start: int
    end: int
    comment: bool = False


def folding_ranges(text: str) -> list[Fold]:
    """The containers and block comments of ``text`` that span more than one line."""
    pieces = _pieces(text) or []
    folds: list[Fold] = []
    opened: list[int] = []  # the line of each open container
    line_of = _LineOf(text)
    for piece in pieces:
        if piece.kind == "block" and "\n" in piece.text:
            first = line_of(piece.start)
            folds.append(Fold(first, first + piece.text.count("\n"), comment=True))
        elif piece.kind == "punct" and piece.text in "{[":
            opened.append(line_of(piece.start))
        elif piece.kind == "punct" and piece.text in "}]" and opened:
            first, last = opened.pop(), line_of(piece.start)
            if last > first:
                folds.append(Fold(first, last - 1))
    return sorted(folds, key=lambda f: (f.start, f.end))


class _LineOf:
    """Offsets to line numbers, for offsets asked in increasing order."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 0

    def __call__(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 0
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line
