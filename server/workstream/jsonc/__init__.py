"""JSON with comments and trailing commas, parsed with the source range of every value.

Two paths share one interface, :class:`ParsedJson`:

* the **fast path** (:mod:`.fast`): valid JSON is decoded by the C ``json`` scanner (comments
  and trailing commas blanked out first);
* the **tolerant path** (:mod:`.tolerant`): anything else (comments, trailing commas, a file
  being typed) goes through a recovering parser that reports the first syntax error and keeps
  reading.
"""

from __future__ import annotations

from workstream.jsonc.base import ParsedJson, Path, SyntaxIssue
from workstream.jsonc.fast import blank_jsonc, decode, reparse_element
from workstream.jsonc.tolerant import MAX_DEPTH, TolerantParsed, TolerantParser

__all__ = ["MAX_DEPTH", "ParsedJson", "Path", "SyntaxIssue", "parse", "reparse_element"]


def parse(text: str) -> ParsedJson:
    """Parse JSON-with-comments text; never raises, whatever the input."""
    # A BOM is tolerated: blank it out so offsets stay the same.
    source = " " + text[1:] if text.startswith("\ufeff") else text
    try:
        return decode(source)
    except (ValueError, RecursionError, StopIteration, IndexError):
        pass  # not plain JSON: comments, trailing commas, or a mistake
    scan = blank_jsonc(source)
    if scan is not None and scan is not source:
        try:
            return decode(source, scan)
        except (ValueError, RecursionError, StopIteration, IndexError):
            pass  # a mistake: the tolerant parser says where
    parser = TolerantParser(source)
    root = parser.parse()
    return TolerantParsed(source, root, parser.errors)
