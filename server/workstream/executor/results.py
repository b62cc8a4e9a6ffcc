"""Where an attempt starts and what it leaves: its start point, commit message, branch, score.

Split from :mod:`attempt`, which runs the attempt; these read and name its outcome.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from workstream.executor.context import AttemptResult, Inputs, RunContext
from workstream.executor.gitops import Git
from workstream.executor.snapshot import listed
from workstream.model import Step

__all__ = [
    "commit_message",
    "kept_transcript",
    "merge_conflict",
    "move_branch",
    "read_score",
    "start_point",
]


def move_branch(repo: Git, branch: str, commit: str, reason: str) -> str:
    """Point a step branch at ``commit`` unless someone has it checked out; a note if not."""
    where = repo.checked_out().get(f"refs/heads/{branch}")
    if where is not None:
        return f" ({branch} is checked out in {where}, so it was not moved: {commit[:12]})"
    repo.set_branch(branch, commit, reason)
    return ""


def commit_message(ctx: RunContext, step: Step) -> str:
    run = step.run if isinstance(step.run, str) else " ".join(step.run or ())
    title = step.description or (step.tasks[0] if step.tasks else run) or step.id
    body = "\n".join(f"- {task}" for task in step.tasks)
    return (
        f"{step.id}: {title.splitlines()[0][:72] if title.strip() else step.id}\n\n"
        + (body + "\n\n" if body else "")
        + f"Workstream: {ctx.model.id}\nRun: {ctx.run_id}\n"
    )


def read_score(lines: Iterable[str]) -> float | None:
    """The number a score command printed: its last non-empty line, a finite number."""
    last = next((line.strip() for line in reversed(list(lines)) if line.strip()), "")
    try:
        value = float(last)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def merge_conflict(
    owners: Mapping[str, str], between: tuple[str, str], conflicts: Sequence[str]
) -> str:
    """``merge conflict between 'a' and 'b' in: x, y`` (at most 20 files named)."""
    names = _names(owners, between[0]) + " and " + _names(owners, between[1])
    return f"merge conflict between {names} in: {listed(conflicts, 20)}"


def _names(owners: Mapping[str, str], commit: str) -> str:
    owner = owners.get(commit)
    return f"{owner!r}" if owner else f"the merged results ({commit[:12]})"


def kept_transcript(path: Path | None) -> Path | None:
    """The transcript file if the tool wrote to it; an empty one is removed."""
    if path is None:
        return None
    try:
        if path.stat().st_size > 0:
            return path
        path.unlink()
    except OSError:
        pass
    return None


def start_point(
    ctx: RunContext, step: Step, inputs: Inputs, say: Callable[[str], None]
) -> str | AttemptResult:
    """Where an attempt starts: the first input with the others merged in (a conflict, or a
    cancelled run, is the attempt's result instead)."""
    start = inputs.commits[0]
    if len(inputs.commits) > 1:
        merged = ctx.repo.merge(inputs.commits, f"workstream: start point of {step.id}")
        if merged.commit is None:
            owners = dict(zip(inputs.commits, inputs.owners, strict=True))
            message = merge_conflict(owners, merged.between or ("", ""), merged.conflicts)
            say(message)
            return AttemptResult("failed", message, "merge_conflict")
        start = merged.commit
    if ctx.cancel.is_set():
        return AttemptResult("cancelled", "cancelled before it started", start_commit=start)
    return start
