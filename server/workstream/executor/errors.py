"""The executor's one exception type: a problem a user can fix, said in one line."""

from __future__ import annotations

from workstream.findings import Finding


class ExecutorError(Exception):
    """A run cannot start (bad input, no repository, a run already in progress...).

    ``str(error)`` is a one-line message meant for the user; faces print it as is.
    """


class WorkstreamInvalid(ExecutorError):
    """The workstream has error findings; ``findings`` holds them and ``text`` the document."""

    def __init__(self, message: str, findings: list[Finding], text: str) -> None:
        super().__init__(message)
        self.findings = findings
        self.text = text
