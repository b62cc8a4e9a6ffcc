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
    circuit_breaker: int | None = None  # failures in a row that stop its other steps
    resources: tuple[tuple[str, float], ...] = ()  # Dask resources its steps need on a cluster


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

#: Claude Code's settings for an unattended step, passed inline with ``--settings`` (above the
#: user's and the project's): no auto-update, telemetry or error reports; Claude's own
#: sandbox for its Bash tool off even where the user's settings turn it on (it would nest a
#: bubblewrap inside ours, which drops every capability, and ours already confines the
#: step); and ``IS_SANDBOX=1``, which is true here and is what lets bypassPermissions run as
#: root (a container's usual user); no auto memory (notes in ``~/.claude/projects/*/memory``
#: are loaded into the user's next sessions, so the settings guard refuses them). Under
#: ``--print`` settings that fail validation are silently ignored, so this holds only keys
#: Claude Code knows.
_CLAUDE_SETTINGS = (
    '{"sandbox":{"enabled":false},"env":{"IS_SANDBOX":"1","DISABLE_AUTOUPDATER":"1",'
    '"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC":"1","CLAUDE_CODE_DISABLE_AUTO_MEMORY":"1"}}'
)

CLAUDE = ToolDef(
    name="claude",
    command=(
        "claude",
        "--print",
        # Not acceptEdits: a step's worktree lies below .git/workstream/, and Claude treats
        # every path below a .git folder as sensitive, refusing edits there unless every
        # permission check is bypassed. Our sandbox is what confines the step.
        "--permission-mode=bypassPermissions",
        f"--settings={_CLAUDE_SETTINGS}",
        "--output-format=text",
        "--",
        "{prompt}",
    ),
    description="Claude Code (claude -p), no permission prompts, confined by our sandbox",
    # Under --print it writes nothing in the repository; this is the machine-local file it
    # writes when a user answers "always allow", never meant to be committed.
    bookkeeping=(".claude/settings.local.json",),
    # Not ~/.claude.json (a file): the sandbox would create it as a folder. Without it Claude
    # Code runs but keeps no first-run state between steps.
    writable=("~/.claude",),
    needs="ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN); "
    "ANTHROPIC_BASE_URL for a gateway",
)

CODEX = ToolDef(
    name="codex",
    command=(
        "codex",
        "exec",
        # No approvals and no Codex sandbox: `codex exec` never prompts, and Codex's own
        # sandbox (bubblewrap or Landlock, and seccomp) does not work inside ours, which
        # drops every capability: under it `--sandbox workspace-write` fails every edit
        # ("Failed to write file"; the same step without ours succeeds). The step is
        # already confined to its worktree by us.
        "--dangerously-bypass-approvals-and-sandbox",
        "--skip-git-repo-check",  # every step is in a git worktree; never fail on detecting it
        "--color=never",
        "--config=check_for_update_on_startup=false",  # no update check or self-update
        "--disable=in_app_updates",
        "--config=analytics.enabled=false",  # no usage analytics
        "--",
        "{prompt}",
    ),
    description="Codex CLI (codex exec), no approvals, confined by the workstream sandbox",
    writable=("~/.codex",),  # CODEX_HOME: sessions, state databases, logs
    needs="CODEX_API_KEY (or a `codex login` kept in ~/.codex, or a model provider in "
    "~/.codex/config.toml with its env_key)",
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
    writable=("~/.gemini",),  # projects.json, history/ and tmp/ (chats, checkpoints)
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
