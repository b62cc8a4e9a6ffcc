"""Open documents: their text, version and line starts, kept up to date edit by edit.

pygls' own text documents rebuild the whole text line by line on every incremental change
(26 ms for a 2.6 MB document), on the event loop: a burst of edits would block every other
request. Here a change is applied by slicing, and line starts are maintained incrementally —
typing on one line only records a pending shift, so a burst of 1,000 keystrokes on a 10 MB
document costs 1,000 string slices.

Positions are converted with the negotiated position encoding (``utf-8`` / ``utf-16`` /
``utf-32``); out-of-range positions are clamped, never an error.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workstream.lsp.snapshot import Change
from workstream.textpos import NEWLINE, Encoding, LineIndex, advance, line_starts

if TYPE_CHECKING:
    from workstream.analysis import Analysis
    from workstream.lsp.snapshot import Snapshot

#: Edits remembered between two analyses before the log gives up (and texts are compared).
_MAX_EDITS = 10_000


class Lines:
    """Line starts of a changing text, with one pending shift for same-line typing."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *line_starts(text)]
        self._pending_line = -1  # lines after this one are shifted by _pending_delta
        self._pending_delta = 0

    def _settle(self) -> None:
        if self._pending_delta:
            first, delta = self._pending_line + 1, self._pending_delta
            starts = self._starts
            starts[first:] = [s + delta for s in starts[first:]]
        self._pending_line, self._pending_delta = -1, 0

    @property
    def count(self) -> int:
        """The number of lines."""
        return len(self._starts)

    def start(self, line: int) -> int:
        """The offset where a 0-based line starts (``line`` must exist)."""
        start = self._starts[line]
        return start + self._pending_delta if line > self._pending_line else start

    def starts(self) -> list[int]:
        """All line starts (settles any pending shift)."""
        self._settle()
        return self._starts

    def replace(
        self, line: int, start: int, end: int, removed: str, inserted: str, text: str
    ) -> None:
        """Record that ``removed`` at ``[start, end)`` (on ``line``) became ``inserted``.

        ``text`` is the text after the change.
        """
        delta = len(inserted) - len(removed)
        joins_crlf = (
            not inserted and 0 < start < len(text) and text[start - 1 : start + 1] == "\r\n"
        )
        if not _has_break(removed) and not _has_break(inserted) and not joins_crlf:
            # Same-line typing: only later lines move; accumulate while it stays on one line.
            if self._pending_delta and self._pending_line != line:
                self._settle()
            if delta:
                self._pending_line = line
                self._pending_delta += delta
            return
        self._settle()
        starts = self._starts
        line = max(0, line - 1)  # a "\r" ending the previous line may pair with a new "\n"
        line_start = starts[line]
        stop = start + len(inserted)
        # Recompute up to the end of the line holding the edit's end, so that a CRLF pair
        # split or joined by the edit is seen whole.
        next_break = NEWLINE.search(text, stop)
        region_end = next_break.end() if next_break else len(text)
        tail = [s + delta for s in starts[bisect.bisect_right(starts, end) :]]
        starts[line + 1 :] = line_starts(text[line_start:region_end], line_start)
        starts.extend(s for s in tail if s > region_end)

    def offset(self, text: str, line: int, column: int, encoding: Encoding) -> int:
        """The offset of (line, column); out-of-range values are clamped."""
        if line < 0:
            return 0
        if line >= self.count:
            return len(text)
        start = self.start(line)
        end = self.start(line + 1) if line + 1 < self.count else len(text)
        if end > start and text[end - 1] == "\n":
            end -= 1
        if end > start and text[end - 1] == "\r":
            end -= 1
        return advance(text, start, end, column, encoding)


def _has_break(text: str) -> bool:
    return "\n" in text or "\r" in text


@dataclass
class Document:
    """One open document."""

    uri: str
    version: int
    text: str
    language_id: str = ""
    lines: Lines = field(init=False)
    #: The newest analysis of some version of this document (maybe older than ``version``).
    snapshot: Snapshot | None = None
    #: Incremental edits as (version they applied to, start, old end, new end), so that how
    #: the text moved since an analysed version is known without comparing whole texts.
    _edits: list[tuple[int, int, int, int]] = field(default_factory=list, init=False)
    _edits_from: int = field(init=False)  # the log knows nothing before this version
    _index: LineIndex | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.lines = Lines(self.text)
        self._edits_from = self.version

    def change_since(self, version: int) -> Change | None:
        """The one region where the text differs from its text at ``version``, or None when
        the edit log does not reach back that far (then compare the texts)."""
        if version < self._edits_from:
            return None
        region: tuple[int, int, int] | None = None  # base[a:b0] became current[a:b]
        for applied_to, start, old_end, new_end in self._edits:
            if applied_to < version:
                continue
            if region is None:
                region = (start, old_end, new_end)
                continue
            a, b0, b = region
            delta = new_end - old_end
            region = (min(a, start), b0 + max(0, old_end - b), max(b, old_end) + delta)
        return Change(0, 0, 0) if region is None else Change(*region)

    def change_from(self, snapshot: Snapshot) -> Change:
        """How the current text differs from the text ``snapshot`` analysed."""
        change = self.change_since(snapshot.version)
        return change if change is not None else snapshot.change_to(self.text)

    def incremental_base(self) -> tuple[Analysis | None, Change | None]:
        """The newest analysis and how the text moved since it: where the next one starts."""
        if self.snapshot is None:
            return None, None
        return self.snapshot.analysis, self.change_since(self.snapshot.version)

    def install(self, snapshot: Snapshot) -> None:
        """Make ``snapshot`` the newest analysis; forget the edits made before it."""
        self.snapshot = snapshot
        self._edits = [edit for edit in self._edits if edit[0] >= snapshot.version]
        self._edits_from = max(self._edits_from, snapshot.version)

    def offset_at(self, line: int, column: int, encoding: Encoding) -> int:
        """The offset of a client position (clamped to the document)."""
        return self.lines.offset(self.text, line, column, encoding)

    def position_of(self, offset: int, encoding: Encoding) -> tuple[int, int]:
        """The client position of an offset."""
        return self.index().position(offset, encoding)

    def index(self) -> LineIndex:
        """A frozen line index of the current text (one per text: built at most once per
        version, and safe to read from a worker thread while edits arrive)."""
        index = self._index
        if index is None or index.text is not self.text:
            index = self._index = LineIndex(self.text, list(self.lines.starts()))
        return index

    def live_index(self) -> LineIndex:
        """A line index sharing the document's own line starts: no copy, but valid only
        until the next edit (for a conversion done at once, on the event loop)."""
        index = self._index
        if index is not None and index.text is self.text:
            return index
        return LineIndex(self.text, self.lines.starts())

    def replace_range(
        self,
        start: tuple[int, int],
        end: tuple[int, int],
        inserted: str,
        encoding: Encoding,
    ) -> None:
        """Apply an incremental change given as client positions."""
        a = self.offset_at(*start, encoding)
        b = max(a, self.offset_at(*end, encoding))
        line = max(0, min(start[0], self.lines.count - 1))
        removed = self.text[a:b]
        self.text = self.text[:a] + inserted + self.text[b:]
        self.lines.replace(line, a, b, removed, inserted, self.text)
        if len(self._edits) >= _MAX_EDITS:  # an unanalysed flood: start the log afresh
            self._edits.clear()
            self._edits_from = self.version + 1
        self._edits.append((self.version, a, b, a + len(inserted)))

    def replace_all(self, text: str) -> None:
        """Apply a full-text change."""
        self.text = text
        self.lines = Lines(text)
        self._edits.clear()
        self._edits_from = self.version + 1


class DocumentStore:
    """The open documents by URI."""

    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}

    def open(self, uri: str, version: int, text: str, language_id: str = "") -> Document:
        """Start tracking a document (re-opening replaces it)."""
        doc = Document(uri, version, text, language_id)
        self._docs[uri] = doc
        return doc

    def get(self, uri: str) -> Document | None:
        """The open document at ``uri``, if any."""
        return self._docs.get(uri)

    def close(self, uri: str) -> Document | None:
        """Stop tracking a document; returns it if it was open."""
        return self._docs.pop(uri, None)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._docs.values()))
