"""Run ``workstream`` in a real pseudo-terminal and read its screen with a terminal emulator.

The command runs as a subprocess whose stdin, stdout and stderr are the slave side of a pty
of a given size (set before it starts, so rich and ``os.get_terminal_size`` see it); what it
writes is fed, as it comes, to a :mod:`pyte` screen of the same size, the way a terminal
would show it: cursor moves, erased lines and redraws of the live board included.
"""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyte

from tests.executor.conftest import PYTHON_BIN

ICONS = "·▶✓✗↷■"
BOX = "┃┡│┏└"


@dataclass
class Session:
    """What a run in a pty left: its exit code, its raw output, its final screen and the
    screens a watcher chose to keep while it ran."""

    code: int
    raw: bytes
    screen: list[str]
    kept: list[list[str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")


def run_in_pty(
    args: Sequence[str],
    cwd: Path,
    columns: int,
    *,
    term: str = "xterm-256color",
    lines: int = 80,
    env: dict[str, str] | None = None,
    keep: Callable[[list[str]], bool] | None = None,
    timeout: float = 120.0,
) -> Session:
    """Run ``workstream ARGS`` in a ``columns`` x ``lines`` pty; ``keep`` picks screens."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    base.update(PATH=PYTHON_BIN + os.pathsep + os.environ.get("PATH", ""), TERM=term)
    base.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "workstream", *args],
        cwd=cwd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=base,
        start_new_session=True,
    )
    os.close(slave)
    screen = pyte.Screen(columns, lines)
    stream = pyte.ByteStream(screen)
    raw = bytearray()
    kept: list[list[str]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the slave side
                break
            if not chunk:
                break
            raw += chunk
            stream.feed(chunk)
            if keep is not None:
                shown = [line.rstrip() for line in screen.display]
                if keep(shown):
                    kept.append(shown)
        else:
            process.kill()
    finally:
        os.close(master)
    code = process.wait(timeout=30)
    return Session(code, bytes(raw), [line.rstrip() for line in screen.display], kept)


def tokens(line: str) -> list[str]:
    """The words of a screen line, box-drawing characters taken as spaces."""
    for char in "┃│┏┓┡┩└┘━─┳╇┴":
        line = line.replace(char, " ")
    return line.split()


def shown_as(step_id: str, token: str) -> bool:
    """Whether ``token`` is ``step_id``, whole or elided in the middle (``step-0…matrix``)."""
    if token == step_id:
        return True
    if token.count("…") != 1:
        return False
    head, tail = token.split("…")
    return (
        len(head) + len(tail) >= 3
        and len(head) + len(tail) < len(step_id)
        and step_id.startswith(head)
        and step_id.endswith(tail)
    )


def row_of(lines: Sequence[str], step_id: str, states: Sequence[str]) -> int:
    """The index of the one line that shows ``step_id`` with one of ``states`` (an icon or a
    word); fails unless exactly one does."""
    found = [
        i
        for i, line in enumerate(lines)
        if any(shown_as(step_id, t) for t in tokens(line))
        and any(state in tokens(line) for state in states)
    ]
    assert len(found) == 1, (step_id, found, "\n".join(lines))
    return found[0]


def summary_box(lines: Sequence[str]) -> list[str]:
    """The lines of the summary table, from its top border to its bottom one; checks that
    every line of it is a line of the box (no cell wrapped onto a line of its own)."""
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    bottom = next(i for i in range(top, len(lines)) if lines[i].startswith("└"))
    box = list(lines[top : bottom + 1])
    width = len(box[0])
    for line in box:
        assert line[0] in BOX and line[-1] in "┓┃┩│┘", f"a wrapped line: {line!r}"
        assert len(line) == width, f"a ragged line: {line!r}"
    return box
