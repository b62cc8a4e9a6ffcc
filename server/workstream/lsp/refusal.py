"""Why a run cannot start, said in one short line that names the first error.

A run command on a file with errors is refused with an LSP ``RequestFailed`` error whose
message is what a person needs: how many errors, and the first one with its line, column and
code (``plan.workstream.json has 2 errors and cannot run; the first, at 5:18: Unknown
property 'max_worker' in 'execution'. Did you mean 'max_workers'? [WS002]``). The errors are
those of the open document when it has any (what the user sees), else those the executor found
in the file on disk (an unsaved fix). Nothing here is logged as an error: a refusal is an
answer, not a failure of the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from workstream.findings import Finding
from workstream.textpos import LineIndex

#: The error code a refusal carries (LSP ``RequestFailed``), as the extension checks it.
REQUEST_FAILED = -32803


def plural(count: int, noun: str) -> str:
    """``1 error``, ``3 errors``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def errors_message(name: str, text: str, errors: Sequence[Finding], saved: bool = False) -> str:
    """``name has N errors and cannot run; the first, at L:C: message [code]`` (1-based).

    ``saved``: the errors are those of the file on disk, not of the open document.
    """
    first = min(errors, key=lambda found: (found.span.start, found.span.end))
    line, column = LineIndex(text).position(first.span.start, "utf-32")
    where = f"{name} (as saved)" if saved else name
    return (
        f"{where} has {plural(len(errors), 'error')} and cannot run; the first, at "
        f"{line + 1}:{column + 1}: {first.message} [{first.code}]"
    )
