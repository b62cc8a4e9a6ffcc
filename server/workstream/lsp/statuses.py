"""Step statuses: the last known outcome of each step, as lenses, hovers and diagnostics show it.

Statuses come from the events of a run (:mod:`workstream.lsp.runs`) or, after a restart, from
the executor's state file. A failed step gets a WS501 (WS502 timed out, WS503 merge conflict)
on its id, with the tail of its log in the message and a related location on the log file.

A status stays true only while the step is what ran: each keeps the fingerprint of the
step's definition that ran (the one ``--resume`` compares,
:func:`workstream.executor.tools.fingerprint`), the dependencies it ran with, and whether its
start point has moved since (:func:`workstream.executor.freshness.stale_reasons`: a dependency
ran again, the base moved). When the document's step differs, its lens says "· changed since",
and a failure's WS5xx is no longer shown: it was about a definition that is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from workstream.lsp.convert import SOURCE, to_range
from workstream.lsp.documents import Document
from workstream.lsp.snapshot import Snapshot
from workstream.model import Step, Workstream
from workstream.status_marks import STATUS_MARKS
from workstream.textpos import Encoding

#: Lines of a failed step's log shown in its diagnostic.
LOG_TAIL_LINES = 8

_CODES = {"timeout": "WS502", "merge_conflict": "WS503"}


@dataclass
class StepStatus:
    """The last known status of one step."""

    status: str
    run_id: str = ""
    duration_ms: int | None = None
    message: str = ""
    log_path: str | None = None
    reason: str | None = None
    log_tail: str = ""
    transcript_path: str | None = None  # an AI tool's conversation, next to the log
    #: The fingerprint of the step's definition that ran ('' when unknown).
    fingerprint: str = ""
    #: The dependencies it ran with (None when unknown).
    depends_on: tuple[str, ...] | None = None
    #: Why its start point is no longer the current one ('' when it still is).
    stale: str = ""
    #: A step with candidates: each one's entry in the state (n, status, score, selected,
    #: branch…), as ``status --format json`` shows them.
    candidates: tuple[dict[str, Any], ...] = ()


def definition(model: Workstream, step: Step) -> tuple[str, tuple[str, ...]]:
    """A step's fingerprint and its dependencies, as a run records them."""
    from workstream.executor.tools import fingerprint  # the executor loads on first use

    deps = tuple(d for d in model.expand(step.depends_on) if d != step.id)
    return fingerprint(model, step), deps


def changed_since(entry: StepStatus, model: Workstream | None, step: Step | None) -> str:
    """Why the step is no longer what its last run ran ('' when it is, or when unknown):
    its definition, its dependencies, or its start point changed."""
    if entry.status in ("queued", "running"):
        return ""
    if model is not None and step is not None and entry.fingerprint:
        now, deps = definition(model, step)
        if now != entry.fingerprint:
            return "definition"
        if entry.depends_on is not None and deps != entry.depends_on:
            return "dependencies"
    return "start point" if entry.stale else ""


def lens_text(entry: StepStatus, model: Workstream | None, step: Step | None) -> str:
    """The status lens: "✓ 0.1 s", or "✓ 0.1 s · changed since" when it no longer holds."""
    text = status_text(entry)
    return f"{text} · changed since" if changed_since(entry, model, step) else text


def candidate_lines(entry: StepStatus) -> list[str]:
    """Each candidate of the last run as the hover lists it, under the step's status:
    ``  - candidate 2 (run: make b): succeeded, score 0.91, selected, branch `…```."""
    out: list[str] = []
    for record in entry.candidates:
        parts = [str(record.get("status") or "queued")]
        score = record.get("score")
        if isinstance(score, int | float) and not isinstance(score, bool):
            parts.append(f"score {score:g}")
        if record.get("selected"):
            parts.append("**selected**")
        if record.get("branch"):
            parts.append(f"branch `{record['branch']}`")
        label = str(record.get("label") or "")
        out.append(f"  - candidate {record.get('n')} ({label}): " + ", ".join(parts))
    return out


def status_text(entry: StepStatus) -> str:
    """A status as a lens shows it: "✓ 2.4 s", "✗ failed: exit 3", "↷ skipped"
    (the marks of :mod:`workstream.status_marks`, as everywhere)."""
    seconds = f"{(entry.duration_ms or 0) / 1000:.1f} s"
    ok, failed = STATUS_MARKS["succeeded"], STATUS_MARKS["failed"]
    chosen = [c for c in entry.candidates if c.get("selected")]
    if entry.status == "succeeded" and chosen:
        score = chosen[0].get("score")
        shown = f" (score {score:g})" if isinstance(score, int | float) else ""
        total = len(entry.candidates)
        return f"{ok} candidate {chosen[0].get('n')} of {total} selected{shown} · {seconds}"
    if entry.status == "succeeded":
        return f"{ok} {seconds}"
    if entry.status == "failed":
        reason = entry.message.strip() or (entry.reason or "")
        return f"{failed} failed: {_short(reason)}" if reason else f"{failed} failed"
    if entry.status == "skipped":
        return f"{STATUS_MARKS['skipped']} skipped"
    if entry.status == "cancelled":
        return f"{STATUS_MARKS['cancelled']} cancelled"
    if entry.status == "running":
        return f"{STATUS_MARKS['running']} running"
    return f"{STATUS_MARKS['queued']} queued"


def _short(text: str, limit: int = 60) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def read_tail(path: str | None, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file ('' when it cannot be read)."""
    if not path:
        return ""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 8192))
            data = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def load_statuses(uri: str) -> dict[str, StepStatus]:
    """The statuses in the state file of the workstream at ``uri`` (runs in a thread)."""
    from workstream.executor import ExecutorError, load_state

    path = to_fs_path(uri)
    if path is None or not Path(path).is_file():
        return {}
    try:
        state = load_state(Path(path))
    except (ExecutorError, OSError, ValueError):
        return {}
    if state is None:
        return {}
    from workstream.executor.freshness import stale_reasons

    stale = stale_reasons(state)
    out = {}
    for step_id, entry in state.steps.items():
        tail = read_tail(entry.log) if entry.status == "failed" else ""
        out[step_id] = StepStatus(
            entry.status,
            entry.run_id,
            entry.duration_ms,
            entry.message,
            entry.log,
            entry.reason,
            tail,
            entry.transcript,
            entry.fingerprint,
            tuple(entry.depends_on),
            stale.get(step_id, ""),
            tuple(dict(c) for c in entry.candidates),
        )
    return out


def failure_diagnostics(
    doc: Document, snapshot: Snapshot, statuses: dict[str, StepStatus], encoding: Encoding
) -> list[types.Diagnostic]:
    """WS501-WS503 on the id of each step whose last run failed, while its definition and
    dependencies are still those that failed."""
    analysis = snapshot.analysis
    model = analysis.model
    if not statuses or model is None:
        return []
    change = doc.change_from(snapshot)
    index = doc.live_index()
    out = []
    for step_id, entry in statuses.items():
        if entry.status != "failed":
            continue
        step = model.step(step_id)
        if changed_since(entry, model, step) in ("definition", "dependencies"):
            continue
        span = None if step is None else analysis.parsed.span(("steps", step.index, "id"))
        moved = None if span is None else change.span_to_new(span)
        if moved is None:
            continue
        code = _CODES.get(entry.reason or "", "WS501")
        what = {"WS502": "timed out", "WS503": "hit a merge conflict"}.get(code, "failed")
        message = f"The last run of step '{step_id}' {what}: {entry.message}".rstrip(": ")
        if entry.log_tail:
            message += "\n" + entry.log_tail
        related = None
        if entry.log_path:
            zero = types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
            )
            related = [
                types.DiagnosticRelatedInformation(
                    location=types.Location(uri=from_fs_path(entry.log_path) or "", range=zero),
                    message="the step's log",
                )
            ]
        out.append(
            types.Diagnostic(
                range=to_range(index, moved, encoding),
                message=message,
                severity=types.DiagnosticSeverity.Error,
                code=code,
                source=SOURCE,
                related_information=related,
            )
        )
    return out
