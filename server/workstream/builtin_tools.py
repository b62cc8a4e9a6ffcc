"""The tools every workstream knows without a ``tools`` entry: the agent CLIs, ready to run.

Each definition is what a user would otherwise have to get right by hand for an unattended
run in a worktree:

- ``command``: the argv template, with the tool's non-interactive flags. A prompt is always
  passed as ``--option=value`` or after ``--``, and file lists after ``--``, so neither can
  become an option of the tool (see :mod:`workstream.executor.tools`).
- ``bookkeeping``: files the tool keeps for itself in the repository (caches, histories). They
  never count as a step's changes, never land in a commit and never reach the user's tree.
- ``writable``: folders under ``HOME`` the tool must write (its settings, caches, sessions);
  the sandbox makes them writable for that tool's steps only.
- ``transcript``: the placeholder ``{transcript}`` names a file next to the step's log where
  the tool writes its conversation, so it is kept after the worktree is gone.

A user's ``tools`` entry with the same name replaces the command and keeps the built-in's
``bookkeeping`` and ``writable`` unless it gives its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ToolDef:
    """A tool: a name, an argv template, and what it keeps for itself."""

    name: str
    command: tuple[str, ...]
    description: str = ""
    bookkeeping: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()
    needs: str = ""  # what the user must set up (API key variables), for people


AIDER = ToolDef(
    name="aider",
    command=(
        "aider",
        "--yes-always",
        "--no-auto-commits",
        "--no-dirty-commits",
        "--no-gitignore",
        "--no-analytics",
        "--no-check-update",
        "--no-show-release-notes",
        "--no-pretty",
        "--no-fancy-input",
        "--no-suggest-shell-commands",
        "--no-detect-urls",
        "--chat-history-file={transcript}",
        "--message={prompt}",
        "--",
        "{files}",
    ),
    description="aider, one message per step, its edits left uncommitted for the executor",
    bookkeeping=(".aider*",),
    writable=("~/.aider", "~/.cache"),
    needs="a model and its key, e.g. AIDER_MODEL with OPENAI_API_KEY / ANTHROPIC_API_KEY",
)

#: The built-in tools by name (``shell`` is built in too, but has no argv template).
BUILTIN: dict[str, ToolDef] = {tool.name: tool for tool in (AIDER,)}
