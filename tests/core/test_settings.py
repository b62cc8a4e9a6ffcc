"""Settings that name paths or variables (WS204-WS207, WS304): each bad value is a finding on
its own token, each good one passes."""

from __future__ import annotations

import json
import os

import pytest

from workstream.analysis import analyze
from workstream.findings import CODES, Severity

STEP = {"id": "a", "run": "true", "files": ["a.txt"]}


def tokens(code: str, execution: dict[str, object] | None = None, **step: object) -> list[str]:
    """The source text under each ``code`` finding of a one-step document."""
    value = {"id": "ws", "execution": execution or {}, "steps": [{**STEP, **step}]}
    text = json.dumps(value, indent=1)
    return [text[f.span.start : f.span.end] for f in analyze(text).findings if f.code == code]


@pytest.mark.parametrize(
    "where",
    [
        "",
        " ",
        ".",
        "./",
        "trees",
        "build/trees",
        "docs/../trees",
        "/",
        "/tmp/trees",
        "C:/trees",
        "~",
        "~/",
        "~/.",
        "~/x/..",
        "~/../other",
        "~root/trees",
        "..",
        "../",
        "../..",
        "../../",
        "../x/..",
        "../trees/../..",
        "..\\trees",
        "../tr\0ees",
    ],
)
def test_a_worktree_dir_inside_the_working_tree_or_unusable_is_ws204(where: str) -> None:
    assert tokens("WS204", {"worktree_dir": where}) == [json.dumps(where)]


@pytest.mark.parametrize(
    "where", ["../trees", "../../trees", "..//trees/", "docs/../../trees", "~/worktrees", None]
)
def test_a_worktree_dir_outside_the_working_tree_passes(where: str | None) -> None:
    assert tokens("WS204", {"worktree_dir": where}) == []


@pytest.mark.parametrize(
    "entry",
    [
        "../.env",
        "a/../../b",
        "/etc/passwd",
        "\\x",
        "~/.ssh/id_rsa",
        "C:x",
        ".git",
        ".git/config",
        "./.git/hooks/pre-commit",
        ".GIT/config",
        "sub/.git",
        "*",
        ".g?t/config",
        ".*",
        "**",
        "**/*",
        "",
        ".",
        "a\0b",
    ],
)
def test_a_copy_entry_that_leaves_the_repository_or_reaches_git_is_ws205(entry: str) -> None:
    assert tokens("WS205", {"copy": [".env", entry, 3]}) == [json.dumps(entry)]


@pytest.mark.parametrize("entry", [".env", "config/local.toml", ".env.*", "**/.env", ".gitignore"])
def test_a_copy_entry_inside_the_repository_passes(entry: str) -> None:
    assert tokens("WS205", {"copy": [entry]}) == []


def test_a_files_entry_starting_with_a_dash_or_holding_a_nul_is_ws206() -> None:
    assert tokens("WS206", files=[1, "ok.txt", "--help", "-rf", "a\0b", "./-x"]) == [
        '"--help"',
        '"-rf"',
        '"a\\u0000b"',
    ]
    # leaving the repository stays WS202's
    assert tokens("WS202", files=["../x"]) == ['"../x"'] and tokens("WS206", files=["../x"]) == []


@pytest.mark.parametrize("entry", ["cache", "./cache", "~", "~/", "/", "//", "/.", "~x", "/a/../b"])
def test_a_writable_entry_that_is_relative_or_too_wide_is_ws207(entry: str) -> None:
    assert tokens("WS207", {"writable": [entry]}) == [json.dumps(entry)]
    assert tokens("WS207", writable=[7, entry]) == [json.dumps(entry)]


@pytest.mark.parametrize(
    "entry", ["~/.cache/pip", "/opt/cache", "/tmp/x", "~/.local/state/x", "~/.npm/_cacache"]
)
def test_a_writable_absolute_or_home_folder_passes(entry: str) -> None:
    assert tokens("WS207", {"writable": [entry]}, writable=[entry]) == []


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("~/.config", "~/.config/git"),
        ("~/.config/git", "~/.config/git"),
        ("~/./.config/git/hooks", "~/.config/git"),
        ("~/.gitconfig", "~/.gitconfig"),
        ("~/.local", "~/.local/bin"),
        ("~/.local/bin", "~/.local/bin"),
        ("~/.ssh", "~/.ssh"),
        ("~/.bashrc", "~/.bashrc"),
        ("~/.profile", "~/.profile"),
        ("~/.config/systemd/user", "~/.config/systemd"),
        ("/usr/local/bin", "/usr"),
        ("/etc", "/etc"),
        (os.path.expanduser("~/.ssh"), "~/.ssh"),
    ],
)
def test_a_writable_folder_that_git_or_a_shell_reads_is_ws207(entry: str, named: str) -> None:
    """A step that could write these could make git, a shell or ssh run a command as you."""
    text = json.dumps({"id": "ws", "execution": {"writable": [entry]}, "steps": [STEP]})
    found = [f for f in analyze(text).findings if f.code == "WS207"]
    assert len(found) == 1 and f"would let a step write {named}," in found[0].message
    # a tool's own writable folders follow the same rule (WS208)
    tool = {"t": {"command": ["t", "--", "{prompt}"], "writable": [entry]}}
    text = json.dumps(
        {"id": "ws", "tools": tool, "steps": [{"id": "a", "tool": "t", "tasks": ["x"]}]}
    )
    assert [f.code for f in analyze(text).findings if f.code in ("WS207", "WS208")] == ["WS208"]


@pytest.mark.parametrize(
    ("env", "token"),
    [
        ({"A=B": "x"}, '"A=B"'),
        ({"": "x"}, '""'),
        ({"1X": "x"}, '"1X"'),
        ({"A B": "x"}, '"A B"'),
        ({"A\0": "x"}, '"A\\u0000"'),
        ({"É": "x"}, '"\\u00c9"'),
        ({"OK": "nul\0inside"}, '"nul\\u0000inside"'),
        ({"GIT_DIR": "/tmp/x"}, '"GIT_DIR"'),
        ({"GIT_WORK_TREE": "x"}, '"GIT_WORK_TREE"'),
        ({"GIT_INDEX_FILE": "x"}, '"GIT_INDEX_FILE"'),
        ({"GIT_OBJECT_DIRECTORY": "x"}, '"GIT_OBJECT_DIRECTORY"'),
        ({"GIT_COMMON_DIR": "x"}, '"GIT_COMMON_DIR"'),
        ({"GIT_ALTERNATE_OBJECT_DIRECTORIES": "x"}, '"GIT_ALTERNATE_OBJECT_DIRECTORIES"'),
        ({"GIT_CONFIG": "x"}, '"GIT_CONFIG"'),
        ({"GIT_CONFIG_GLOBAL": "x"}, '"GIT_CONFIG_GLOBAL"'),
        ({"GIT_CONFIG_KEY_0": "x"}, '"GIT_CONFIG_KEY_0"'),
    ],
)
def test_an_unusable_env_entry_is_ws304_on_the_name_or_the_value(
    env: dict[str, str], token: str
) -> None:
    assert tokens("WS304", env={"LOG_LEVEL": "debug", **env}) == [token]


def test_the_new_codes_are_errors_with_a_title() -> None:
    for code in ("WS204", "WS205", "WS206", "WS207", "WS304"):
        severity, title = CODES[code]
        assert severity is Severity.ERROR and title


def test_the_sandbox_settings_reach_the_model() -> None:
    text = json.dumps(
        {
            "id": "ws",
            "execution": {"sandbox": False, "network": False, "writable": ["~/.cache/pip", 1]},
            "steps": [{**STEP, "writable": ["/opt/cache"]}],
        }
    )
    analysis = analyze(text)
    assert analysis.model is not None
    execution = analysis.model.execution
    assert (execution.sandbox, execution.network) == (False, False)
    assert execution.writable == ("~/.cache/pip",)
    assert analysis.model.steps[0].writable == ("/opt/cache",)
    default = analyze(json.dumps({"id": "ws", "steps": [STEP]})).model
    assert default is not None and default.execution.sandbox and default.execution.network
    wrong = analyze(json.dumps({"id": "ws", "execution": {"sandbox": "no"}, "steps": [STEP]}))
    assert wrong.model is not None and wrong.model.execution.sandbox  # WS002, and stays on
    assert [f.code for f in wrong.findings] == ["WS002"]
