"""What both parsing paths return: the value, the syntax errors and a way back to source ranges.

Paths are tuples of object keys (``str``) and array indices (``int``), like JSON Pointer parts.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workstream.findings import Span

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class SyntaxIssue:
    """A syntax error at a span, with a message for a person."""

    message: str
    span: Span


class ParsedJson:
    """The result of parsing: the Python value plus a way back to source ranges."""

    def __init__(self, text: str, value: Any, errors: Sequence[SyntaxIssue]) -> None:
        self.text = text
        self.value = value
        self.errors = list(errors)

    def span(self, path: Path) -> Span | None:
        """The range of the value at ``path`` (strings include their quotes)."""
        raise NotImplementedError

    def key_span(self, path: Path) -> Span | None:
        """The range of the key of the object member at ``path`` (last part is a key)."""
        raise NotImplementedError

    def best_span(self, path: Path) -> Span:
        """The range at ``path``, else at its nearest ancestor that exists, else the start."""
        for n in range(len(path), -1, -1):
            found = self.span(path[:n])
            if found is not None:
                return found
        return Span(0, 0)


def parse_number_int(literal: str) -> int | float:
    """An integer literal of any length: past Python's digit limit it becomes a float."""
    if len(literal) <= 4000:
        return int(literal)
    return parse_number_float(literal)


def parse_number_float(literal: str) -> float:
    """A float literal; one too large for a float is clamped to the largest (never inf)."""
    value = float(literal)
    if math.isinf(value):
        return math.copysign(sys.float_info.max, value)
    return value
