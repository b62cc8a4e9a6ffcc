"""The scope judgement: which of a step's changed files its ``files`` do not cover.

Matching is linear in the pattern and the path (:func:`workstream.scopes.in_scope`); the
loop over the changed files watches the step's deadline and the run's cancellation, so a
step that changes a million files cannot keep the runner past its timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from workstream.scopes import in_scope

_CHECK_EVERY = 256


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
