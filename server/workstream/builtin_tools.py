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

from collections.abc import Sequence
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
        "--no-show-model-warnings",
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
    # ~/.aider: its analytics id (never opted in), install marker and model-info cache;
    # ~/.cache/huggingface: tokenizers litellm downloads to count tokens of some models.
    writable=("~/.aider", "~/.cache/huggingface"),
    needs="a model and its key, e.g. AIDER_MODEL with OPENAI_API_KEY / ANTHROPIC_API_KEY",
)

#: Claude Code's own settings for an unattended step, passed inline with ``--settings``
#: (highest precedence after managed policy): no auto-update, no telemetry or error reports,
#: and Claude's own bubblewrap sandbox off even if the user's settings turn it on (a nested
#: bubblewrap inside ours has no capabilities to make its namespaces; ours already confines
#: the step). In ``-p`` mode a settings value that fails validation is silently ignored, so
#: this holds only keys the tool knows.
_CLAUDE_SETTINGS = (
    '{"sandbox":{"enabled":false},'
    '"env":{"DISABLE_AUTOUPDATER":"1","CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC":"1"}}'
)

CLAUDE = ToolDef(
    name="claude",
    command=(
        "claude",
        "--print",
        # Edits applied without asking. Not bypassPermissions: Claude refuses it as root
        # (unless IS_SANDBOX=1), which is what steps are in a container. Other tools it
        # would have to ask for are refused, never prompted for, under --print.
        "--permission-mode=acceptEdits",
        "--allowedTools=Bash",  # running tests and builds too, confined by our sandbox
        f"--settings={_CLAUDE_SETTINGS}",
        "--output-format=text",
        "--",
        "{prompt}",
    ),
    description="Claude Code (claude -p), edits accepted, no update check or telemetry",
    bookkeeping=(".claude/settings.local.json", ".claude/worktrees"),
    writable=("~/.claude", "~/.claude.json"),
    needs="ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN / CLAUDE_CODE_OAUTH_TOKEN); "
    "ANTHROPIC_BASE_URL for a proxy",
)

CODEX = ToolDef(
    name="codex",
    command=(
        "codex",
        "exec",
        # No approvals and no Codex sandbox: `codex exec` never prompts, and Codex's own
        # sandbox (bubblewrap/Landlock and seccomp) cannot be set up inside ours, which
        # drops every capability; the step is already confined to its worktree by us.
        "--dangerously-bypass-approvals-and-sandbox",
        "--skip-git-repo-check",  # a worktree's .git is a file pointing elsewhere
        "--color=never",
        "--config=check_for_update_on_startup=false",
        "--",
        "{prompt}",
    ),
    description="Codex CLI (codex exec), no approvals, confined by the workstream sandbox",
    bookkeeping=(".codex",),
    writable=("~/.codex",),
    needs="OPENAI_API_KEY (or a `codex login`, or a model provider in ~/.codex/config.toml)",
)

GEMINI = ToolDef(
    name="gemini",
    command=(
        "gemini",
        "--approval-mode=yolo",  # every tool call approved: headless mode cannot ask
        "--skip-trust",  # an untrusted folder would force the approval mode back to default
        "--output-format=text",
        "--prompt={prompt}",  # the update check runs only in the interactive UI
    ),
    description="Gemini CLI (gemini -p), every tool call approved",
    bookkeeping=(".gemini",),
    writable=("~/.gemini",),
    needs="GEMINI_API_KEY (or GOOGLE_API_KEY with GOOGLE_GENAI_USE_VERTEXAI=true)",
)

#: The built-in tools by name (``shell`` is built in too, but has no argv template).
BUILTIN: dict[str, ToolDef] = {tool.name: tool for tool in (AIDER, CLAUDE, CODEX, GEMINI)}


def bare_placeholder(template: Sequence[object], placeholder: str) -> int | None:
    """Where ``placeholder`` is a whole argv item with no ``--`` before it, or None.

    Such an item reaches the tool as an argument of its own, where a value that starts with
    ``-`` would be read as an option.
    """
    for position, item in enumerate(template):
        if position == 0:
            continue
        if item == "--":
            return None
        if item == placeholder:
            return position
    return None
