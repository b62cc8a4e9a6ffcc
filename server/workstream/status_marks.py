"""The one mark per step status that every face shows: the CLI's tables and lines, the
editor's lenses and hovers, and (copied, checked by a test) the VS Code extension's status bar,
output channel and graph.

Each is a plain text character that fonts without emoji carry (no ``⏭`` or ``✅``, which
render as an empty box there).
"""

from __future__ import annotations

from typing import Final

STATUS_MARKS: Final = {
    "queued": "·",
    "running": "▶",
    "succeeded": "✓",
    "failed": "✗",
    "skipped": "↷",
    "cancelled": "■",
}
