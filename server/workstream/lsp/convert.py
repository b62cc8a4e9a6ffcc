"""Translate core results into LSP shapes: spans into ranges, findings into diagnostics.

Spans are character offsets; ranges are (line, column) in the negotiated position encoding.
"""

from __future__ import annotations

from lsprotocol import types

from workstream.findings import Finding, Severity, Span
from workstream.textpos import Encoding, LineIndex

SOURCE = "workstream"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}

#: Codes whose diagnostics are marked "unnecessary" (editors fade the text).
_UNNECESSARY = frozenset({"WS105", "WS106"})


def to_range(index: LineIndex, span: Span, encoding: Encoding) -> types.Range:
    """The range of a span of the indexed text."""
    start = index.position(span.start, encoding)
    end = index.position(span.end, encoding)
    return types.Range(
        start=types.Position(line=start[0], character=start[1]),
        end=types.Position(line=end[0], character=end[1]),
    )


def to_diagnostic(
    index: LineIndex, uri: str, finding: Finding, encoding: Encoding
) -> types.Diagnostic:
    """One finding as an LSP diagnostic of the document ``uri`` whose text ``index`` indexes
    (code, source, related information, tags)."""
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=to_range(index, item.span, encoding)),
            message=item.message,
        )
        for item in finding.related
    ]
    return types.Diagnostic(
        range=to_range(index, finding.span, encoding),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        source=SOURCE,
        related_information=related or None,
        tags=[types.DiagnosticTag.Unnecessary] if finding.code in _UNNECESSARY else None,
    )
