"""A step's candidates as the editor's runs view lists them (:func:`review.runs_data`).

One row per unit of work of the step (each candidate times its attempts, numbered from 1 as
the executor numbers them): what it changes, and from the step's latest entry in the state
how it ended, its score, whether it was selected, its branch, its commit (or its saved work),
its start point, its log, its AI transcript and its kept worktree. A step that never ran
lists its candidates as defined; an entry whose step left the file lists what it recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workstream.model import Step


def candidate_rows(step: Step | None, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of one step's candidates (empty for a step without any)."""
    from workstream.executor.candidates import unit_steps

    labels = [label for _, label in unit_steps(step)] if step is not None else []
    ran: dict[int, dict[str, Any]] = {r["n"]: r for r in records if isinstance(r.get("n"), int)}
    count = max(len(labels), max(ran, default=0))
    rows: list[dict[str, Any]] = []
    for n in range(1, count + 1):
        record = ran.get(n, {})
        worktree = record.get("worktree")
        score = record.get("score")
        rows.append(
            {
                "n": n,
                "label": str(record.get("label") or (labels[n - 1] if n <= len(labels) else "")),
                "status": record.get("status"),
                "score": score if isinstance(score, int | float) else None,
                "selected": bool(record.get("selected")),
                "branch": record.get("branch"),
                "commit": record.get("commit"),
                "savedCommit": record.get("saved_commit"),
                "startCommit": record.get("start_commit"),
                "log": record.get("log"),
                "transcript": record.get("transcript"),
                "worktree": worktree if worktree and Path(worktree).is_dir() else None,
                "message": str(record.get("message") or ""),
                "durationMs": record.get("duration_ms"),
            }
        )
    return rows
