"""The scope judgement: which of a step's changed files its ``files`` do not cover.

Matching is linear in the pattern and the path (:func:`workstream.scopes.in_scope`); the
loop over the changed files watches the step's deadline and the run's cancellation, so a
step that changes a million files cannot keep the runner past its timeout. A failure names
at most 20 of the files.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workstream.executor.context import AttemptResult
from workstream.scopes import in_scope

if TYPE_CHECKING:
    from workstream.executor.commands import StepCommands

_CHECK_EVERY = 256
_SHOWN = 20  # files, or scope entries, a message names


def out_of_scope(
    scope: tuple[str, ...] | list[str],
    changed: Sequence[str],
    deadline: float,
    cancel: threading.Event,
) -> list[str] | None:
    """The changed paths outside ``scope``; None when the deadline passed or the run stopped."""
    outside: list[str] = []
    for i, path in enumerate(changed):
        if i % _CHECK_EVERY == 0 and (time.monotonic() > deadline or cancel.is_set()):
            return None
        if not in_scope(scope, path):
            outside.append(path)
    return outside


def scope_failure(
    scope: tuple[str, ...] | list[str],
    changed: Sequence[str],
    commands: StepCommands,
    cancel: threading.Event,
) -> AttemptResult | None:
    """The failed result of a step whose ``changed`` files leave ``scope``, or of one whose
    deadline passed while they were checked; None when they are all in it."""
    outside = out_of_scope(scope, changed, commands.deadline, cancel)
    if outside is None:
        if cancel.is_set():
            return AttemptResult("cancelled", "cancelled while checking its scope")
        return AttemptResult(
            "failed",
            f"timed out after {commands.timeout:g}s ({commands.timeout_source}) "
            "while checking its scope",
            "timeout",
        )
    if not outside:
        return None
    shown = ", ".join(outside[:_SHOWN]) + (
        f" and {len(outside) - _SHOWN:,} more" if len(outside) > _SHOWN else ""
    )
    where = ", ".join(scope[:_SHOWN]) if scope else "nothing (files: [])"
    if len(scope) > _SHOWN:
        where += f" and {len(scope) - _SHOWN:,} more"
    return AttemptResult(
        "failed", f"changed files outside its scope: {shown} (scope: {where})", "scope"
    )
