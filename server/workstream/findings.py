"""The one plain finding type the analysis returns, and the table of stable diagnostic codes.

Faces (CLI, language server) translate findings into their own shapes; nothing here knows
about LSP. Offsets are character (code point) offsets into the analysed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is; the values are the words the CLI prints."""

    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of character offsets into a document."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains a finding (the first duplicate, the other step of a conflict)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a workstream document."""

    code: str
    severity: Severity
    message: str
    span: Span
    related: tuple[Related, ...] = ()
    # Machine-readable facts for quick fixes (e.g. {"suggestions": [...], "step": "b"}).
    data: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


#: Every code the analysis can produce, with its severity and a one-line summary.
CODES: dict[str, tuple[Severity, str]] = {
    "WS001": (Severity.ERROR, "JSON syntax error"),
    "WS002": (Severity.ERROR, "schema violation"),
    "WS101": (Severity.ERROR, "duplicate step id"),
    "WS102": (Severity.ERROR, "dependency on an undefined step"),
    "WS103": (Severity.ERROR, "a step depends on itself"),
    "WS104": (Severity.ERROR, "dependency cycle"),
    "WS105": (Severity.WARNING, "the same dependency listed twice"),
    "WS106": (Severity.HINT, "redundant dependency"),
    "WS107": (Severity.ERROR, "a dependency a parallel_group barrier makes impossible"),
    "WS108": (Severity.ERROR, "a step group lists a step that is not defined"),
    "WS109": (Severity.ERROR, "a step listed in two step groups, or twice in one"),
    "WS110": (Severity.ERROR, "a step group id that is also a step id or another group's id"),
    "WS111": (Severity.ERROR, "a sequential step group whose order contradicts depends_on"),
    "WS201": (Severity.WARNING, "file conflict between steps that may run at the same time"),
    "WS202": (Severity.ERROR, "a file scope leaves the repository"),
    "WS203": (Severity.INFORMATION, "a step without a file scope may run alongside others"),
    "WS204": (Severity.ERROR, "execution.worktree_dir inside the working tree or unusable"),
    "WS205": (Severity.ERROR, "an execution.copy entry that leaves the repository"),
    "WS206": (Severity.ERROR, "a file scope entry that starts with '-' or holds a NUL"),
    "WS207": (Severity.ERROR, "a writable directory that is too wide or not absolute"),
    "WS208": (Severity.ERROR, "a tool's bookkeeping or writable entry that cannot be used"),
    "WS209": (Severity.ERROR, "a conditional execution setting that is not a ${env.…} expression"),
    "WS210": (Severity.ERROR, "a conditional execution setting that resolves to a wrong value"),
    "WS211": (Severity.ERROR, "an execution.reuse that is not false, clean or keep-ignored"),
    "WS212": (Severity.ERROR, "an execution.max_file_size that is not a size up to 1 TiB"),
    "WS301": (Severity.ERROR, "an id that cannot be part of a git branch name"),
    "WS302": (Severity.ERROR, "unknown tool"),
    "WS303": (Severity.ERROR, "a step its tool cannot run"),
    "WS304": (Severity.ERROR, "an env entry that is not a usable variable"),
    "WS305": (Severity.WARNING, "a prompt or file list that could become an option of the tool"),
    "WS306": (Severity.WARNING, "an unknown placeholder in a tool's command"),
    "WS307": (Severity.ERROR, "a task that its tool would read as an option"),
    "WS308": (Severity.ERROR, "a candidate that cannot run"),
    "WS309": (Severity.WARNING, "select on a step without candidates"),
    "WS501": (Severity.ERROR, "the last run of this step failed"),
    "WS502": (Severity.ERROR, "the last run of this step timed out"),
    "WS503": (Severity.ERROR, "the last run of this step hit a merge conflict"),
}


def finding(
    code: str,
    message: str,
    span: Span,
    related: tuple[Related, ...] = (),
    **data: object,
) -> Finding:
    """Build a finding with the severity the code table gives it."""
    return Finding(code, CODES[code][0], message, span, related, dict(data))
