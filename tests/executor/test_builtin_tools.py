"""The built-in agent CLIs' argv templates: non-interactive, and no prompt becomes an option."""

from __future__ import annotations

import json

import pytest

from workstream.builtin_tools import BUILTIN, CLAUDE, CODEX, GEMINI, ToolDef
from workstream.executor.tools import option_hazard, step_argv
from workstream.model import Step, Workstream

DASH_PROMPT = "--help me; rm -rf / {files} $(x)"
AGENTS = [CLAUDE, CODEX, GEMINI]


def argv_of(tool: str, prompt: str = DASH_PROMPT, files: tuple[str, ...] = ()) -> list[str]:
    step = Step("s", 0, tool=tool, tasks=(prompt,), files=files)
    return step_argv(Workstream("w", steps=[step]), step, transcript="/logs/s.transcript")


def prompt_is_no_option(argv: list[str], prompt: str) -> bool:
    """The prompt is after ``--`` or glued to its option with ``=``."""
    if "--" in argv and prompt in argv[argv.index("--") + 1 :]:
        return True
    return any(item.endswith("=" + prompt) and item.startswith("--") for item in argv)


@pytest.mark.parametrize("tool", sorted(BUILTIN))
def test_no_builtin_takes_a_dash_prompt_or_file_as_an_option(tool: str) -> None:
    files = ("-rf.py", "--all", "src/a.py")
    step = Step("s", 0, tool=tool, tasks=(DASH_PROMPT,), files=files)
    model = Workstream("w", steps=[step])
    argv = step_argv(model, step)
    assert option_hazard(model, step) is None
    assert prompt_is_no_option(argv, DASH_PROMPT)
    for name in files:  # a tool that takes files takes them after "--"
        assert name not in argv or argv.index(name) > argv.index("--")


@pytest.mark.parametrize("tool", AGENTS, ids=lambda t: t.name)
def test_agents_have_a_name_a_purpose_and_what_they_need(tool: ToolDef) -> None:
    assert tool in BUILTIN.values()
    for field in ("description", "needs"):
        assert getattr(tool, field)
    for folder in tool.writable:
        assert folder.startswith("~/.") and "/" not in folder[2:]


def test_claude_runs_printed_without_prompts_updates_or_its_own_sandbox() -> None:
    argv = argv_of("claude")
    assert argv[:2] == ["claude", "--print"]
    assert argv[-2:] == ["--", DASH_PROMPT]
    assert "--permission-mode=bypassPermissions" in argv
    settings = json.loads(next(a for a in argv if a.startswith("--settings="))[11:])
    assert settings["sandbox"] == {"enabled": False}
    assert settings["env"]["DISABLE_AUTOUPDATER"] == "1"
    assert settings["env"]["IS_SANDBOX"] == "1"  # bypassPermissions as root
    assert settings["env"]["CLAUDE_CODE_DISABLE_AUTO_MEMORY"] == "1"  # memory is guarded
    assert CLAUDE.writable == ("~/.claude",)  # not ~/.claude.json: see its comment
    assert CLAUDE.bookkeeping == (".claude/settings.local.json",)


def test_codex_exec_without_approvals_or_nested_sandbox() -> None:
    argv = argv_of("codex")
    assert argv[:2] == ["codex", "exec"]
    assert argv[-2:] == ["--", DASH_PROMPT]
    assert "--dangerously-bypass-approvals-and-sandbox" in argv
    assert "--config=check_for_update_on_startup=false" in argv
    assert "--disable=in_app_updates" in argv and "--config=analytics.enabled=false" in argv
    assert not any(a.startswith(("--sandbox", "--full-auto", "-s")) for a in argv)
    assert CODEX.writable == ("~/.codex",)


def test_gemini_headless_with_every_tool_approved_in_a_trusted_folder() -> None:
    argv = argv_of("gemini")
    assert argv[0] == "gemini"
    assert argv[-1] == "--prompt=" + DASH_PROMPT
    assert "--approval-mode=yolo" in argv and "--skip-trust" in argv
    assert "--yolo" not in argv  # deprecated, and an error next to --approval-mode
    assert GEMINI.writable == ("~/.gemini",)


@pytest.mark.parametrize("tool", ["claude", "codex", "gemini"])
def test_a_multi_task_prompt_stays_one_argument(tool: str) -> None:
    step = Step("s", 0, tool=tool, tasks=("-first", "second"))
    argv = step_argv(Workstream("w", steps=[step]), step)
    assert sum("-first\nsecond" in item for item in argv) == 1
