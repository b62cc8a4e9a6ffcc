"""Step logs: bounded in memory and on disk, and pruned across runs.

A log keeps its first :data:`LOG_HEAD_BYTES` as written and, past that, only its last
:data:`LOG_TAIL_BYTES` (held in memory and written when the log closes, after a note of how
much was left out), so a step that prints gigabytes costs a bounded file and buffer. Lines are
capped at :data:`MAX_LINE_BYTES` by the reader (:mod:`process`) before they get here.
"""

from __future__ import annotations

import shutil
import threading
from collections import deque
from pathlib import Path
from typing import IO

from workstream.executor.state import RunState

#: The start of a log that is kept as written.
LOG_HEAD_BYTES = 4 * 1024 * 1024
#: The end of a log that is kept once it outgrows the head.
LOG_TAIL_BYTES = 4 * 1024 * 1024
#: Logs of this many recent runs are kept (plus any log the state file still points to).
KEEP_RUN_LOGS = 20


class CappedLog:
    """A text log that keeps its head and its tail; thread-safe; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = open(path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._written = 0
        self._tail: deque[str] = deque()
        self._tail_bytes = 0
        self._dropped = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        """Append ``text`` (normally one line with its newline)."""
        size = len(text.encode("utf-8", errors="replace"))
        with self._lock:
            if self._written + size <= LOG_HEAD_BYTES and not self._tail:
                self._file.write(text)
                self._written += size
                return
            self._tail.append(text)
            self._tail_bytes += size
            while self._tail_bytes > LOG_TAIL_BYTES and len(self._tail) > 1:
                dropped = self._tail.popleft()
                dropped_size = len(dropped.encode("utf-8", errors="replace"))
                self._tail_bytes -= dropped_size
                self._dropped += dropped_size

    def flush(self) -> None:
        """Flush what is written so far (the tail waits for :meth:`close`)."""
        with self._lock:
            self._file.flush()

    def close(self) -> None:
        """Write the tail (after a note of what was left out) and close."""
        with self._lock:
            if self._dropped:
                self._file.write(
                    f"\n[workstream: {self._dropped} bytes of output left out here; the log "
                    f"keeps its first {LOG_HEAD_BYTES} and last {LOG_TAIL_BYTES} bytes]\n"
                )
            self._file.writelines(self._tail)
            self._tail.clear()
            self._file.close()

    def __enter__(self) -> CappedLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prune_logs(logs: Path, keep: int, states: list[RunState | None]) -> None:
    """Delete the logs of old runs, keeping the newest ``keep`` and those a state names."""
    if not logs.is_dir():
        return
    entries = [e for state in states if state is not None for e in state.steps.values()]
    wanted = {Path(e.log).parent.name for e in entries if e.log}
    runs = sorted(
        (p for p in logs.iterdir() if p.is_dir() and not p.is_symlink()), key=lambda p: p.name
    )
    for old in runs[: max(0, len(runs) - keep)]:
        if old.name not in wanted:
            shutil.rmtree(old, ignore_errors=True)
