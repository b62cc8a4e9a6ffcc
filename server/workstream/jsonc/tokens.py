"""The tolerant parser's parts: its tree of nodes with ranges, and its token cursor.

A :class:`Node` is one value of the document with its range and, for containers, its members
or items; :class:`Tokens` cuts the text into significant tokens (comments and whitespace
skipped, an unterminated comment reported) for :mod:`workstream.jsonc.tolerant`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workstream.findings import Span
from workstream.jsonc.base import SyntaxIssue


@dataclass(slots=True)
class Node:
    """A value in the tolerant parse tree."""

    kind: str  # object | array | string | number | literal | invalid
    start: int
    end: int
    value: Any = None  # the Python value of a scalar
    # object members: (key, key span, value node or None); arrays: value nodes
    members: list[tuple[str, Span, Node | None]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    too_deep: bool = False


TOKEN = re.compile(
    r"""
    (?P<skip>(?:[ \t\r\n\ufeff]+|//[^\n]*|/\*(?:.|\n)*?\*/)+)
  | (?P<opencomment>/\*(?:.|\n)*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<badstring>"(?:[^"\\\n]|\\.)*)
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>[{}\[\]:,])
  | (?P<word>[A-Za-z_$][A-Za-z0-9_$.+-]*|-?[0-9][A-Za-z0-9_.+-]*)
  | (?P<other>.)
    """,
    re.VERBOSE,
)

LITERALS = {"true": True, "false": False, "null": None}
NOT_PUNCT = "\0"  # stands for "no punctuation" in membership tests such as `char in ",}"`


class Tokens:
    """A cursor over significant tokens: (kind, start, end)."""

    def __init__(self, text: str, errors: list[SyntaxIssue]) -> None:
        self.tokens: list[tuple[str, int, int]] = []
        for m in TOKEN.finditer(text):
            kind = m.lastgroup or "other"
            if kind == "skip":
                continue
            if kind == "opencomment":
                errors.append(
                    SyntaxIssue("Unterminated comment: add '*/'", Span(m.start(), m.end()))
                )
                continue
            self.tokens.append((kind, m.start(), m.end()))
        self.i = 0

    def peek(self) -> tuple[str, int, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self) -> tuple[str, int, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token
