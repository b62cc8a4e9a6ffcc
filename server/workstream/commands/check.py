"""``workstream check``: validate workstream files and print their diagnostics.

Text output is ``path:line:col: severity: message [code]`` (1-based, columns in characters)
with a one-line summary; ``--format json`` prints one array of objects with exactly the keys
path, line, column, end_line, end_column, severity, code, message. Exit 1 when any error was
found, 0 otherwise, 2 for a usage error or an unreadable path.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from workstream.analysis import analyze
from workstream.analysis.surrogates import printable
from workstream.discovery import find_workstream_files
from workstream.findings import Finding, Severity
from workstream.textpos import LineIndex

_COLORS = {
    Severity.ERROR: "\033[31m",
    Severity.WARNING: "\033[33m",
    Severity.INFORMATION: "\033[36m",
    Severity.HINT: "\033[2m",
}
_RESET, _BOLD = "\033[0m", "\033[1m"


class UsageError(Exception):
    """A problem with the command line or a path: reported in one line, exit 2."""


@dataclass(frozen=True)
class Row:
    """One diagnostic in the CLI's shape (1-based lines and columns)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: str
    code: str
    message: str


def read_text(path: Path) -> str:
    """Read a file as UTF-8; raise UsageError when it cannot be read at all, and
    :class:`NotUtf8` (a finding, not a usage error) when its bytes are not UTF-8 text."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in data[:4]:
        raise NotUtf8(
            1,
            1,
            "The file is UTF-16 or UTF-32 (a byte order mark or NUL bytes at its start); "
            "save it as UTF-8.",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise NotUtf8(
            data.count(b"\n", 0, exc.start) + 1,
            column,
            f"The file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "a workstream file must be UTF-8 text.",
        ) from None


class NotUtf8(Exception):
    """A file whose bytes are not UTF-8: where, and what to say (a WS001 row)."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def rows_for(path: Path, shown: str) -> list[Row]:
    """Analyse one file and turn its findings into rows."""
    shown = printable(shown)  # a file name that is not UTF-8 is printed escaped
    try:
        text = read_text(path)
    except NotUtf8 as bad:
        return [
            Row(shown, bad.line, bad.column, bad.line, bad.column, "error", "WS001", bad.message)
        ]
    return rows_of(shown, text, analyze(text).findings)


def rows_of(shown: str, text: str, findings: list[Finding]) -> list[Row]:
    """The rows of findings in ``text``, a file shown as ``shown``."""
    index = LineIndex(text)
    return [_row(shown, index, f) for f in findings]


def _row(shown: str, index: LineIndex, found: Finding) -> Row:
    line, column = index.position(found.span.start)
    end_line, end_column = index.position(found.span.end)
    return Row(
        shown,
        line + 1,
        column + 1,
        end_line + 1,
        end_column + 1,
        found.severity.value,
        found.code,
        found.message,
    )


def _targets(paths: list[str]) -> list[Path]:
    if not paths:
        return list(find_workstream_files(Path.cwd()))
    targets: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            targets.extend(find_workstream_files(path))
        elif path.exists():
            targets.append(path)
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return targets


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _use_color(choice: str, stream: IO[str]) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ


def format_row(row: Row, color: bool = False) -> str:
    """``path:line:col: severity: message [code]``, coloured for a terminal when asked."""
    severity = row.severity
    where = f"{row.path}:{row.line}:{row.column}"
    if color:
        severity = f"{_COLORS[Severity(severity)]}{severity}{_RESET}"
        where = f"{_BOLD}{where}{_RESET}"
    return f"{where}: {severity}: {row.message} [{row.code}]"


def _print_text(rows: list[Row], files: int, color: bool, out: IO[str]) -> None:
    for row in rows:
        out.write(format_row(row, color) + "\n")
    counts = {s.value: 0 for s in Severity}
    for row in rows:
        counts[row.severity] += 1
    parts = [
        f"{counts['error']} error{'s' * (counts['error'] != 1)}",
        f"{counts['warning']} warning{'s' * (counts['warning'] != 1)}",
    ]
    others = counts["information"] + counts["hint"]
    if others:
        parts.append(f"{others} note{'s' * (others != 1)}")
    noun = "file" if files == 1 else "files"
    out.write(f"Checked {files} {noun}: {', '.join(parts)}.\n")


def main(args: argparse.Namespace) -> int:
    """Run ``workstream check``."""
    try:
        targets = _targets(args.paths)
        rows: list[Row] = []
        for path in targets:
            rows.extend(rows_for(path, _shown(path)))
    except UsageError as exc:
        print(f"workstream check: {exc}", file=sys.stderr)
        return 2
    if not targets:
        print(
            "workstream check: no workstream files found (*.workstream.json, "
            "workstream.json, workstreams/*.json)",
            file=sys.stderr,
        )
        return 2
    if args.format == "json":
        json.dump([row.__dict__ for row in rows], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_text(rows, len(targets), _use_color(args.color, sys.stdout), sys.stdout)
    return 1 if any(row.severity == "error" for row in rows) else 0
