"""WS207 below HOME is an allow-list (issue 8, found by an attack): caches, state and the
agents' data are writable; everything else there is refused on its own token, naming the
reason when there is a known one (a credential the sandbox hides, a start-up file, an
agent's settings) and saying what is allowed."""

from __future__ import annotations

import json
import os

import pytest

from workstream.analysis import analyze
from workstream.analysis.home_rules import WRITABLE_IN_HOME, is_agent_data

STEP = {"id": "a", "run": "true", "files": ["a.txt"]}


def ws207(entry: str) -> list[tuple[str, str]]:
    """(token, message) of each WS207 on a step's writable ``entry``."""
    text = json.dumps({"id": "ws", "steps": [{**STEP, "writable": ["~/.cache/ok", entry]}]})
    return [
        (text[f.span.start : f.span.end], f.message)
        for f in analyze(text).findings
        if f.code == "WS207"
    ]


@pytest.mark.parametrize(
    ("entry", "hidden"),
    [
        ("~/.docker", "~/.docker/config.json"),
        ("~/.config/gh", "~/.config/gh"),
        ("~/.config/gh/hosts.yml", "~/.config/gh"),
        ("~/.local/share", "~/.local/share/keyrings"),
        ("~/.aws", "~/.aws"),
    ],
)
def test_an_entry_that_would_show_a_hidden_secret_names_it(entry: str, hidden: str) -> None:
    found = ws207(entry)
    assert [t for t, _ in found] == [json.dumps(entry)], found
    assert f"would show the sandbox's hidden {hidden} " in found[0][1]


@pytest.mark.parametrize(
    "entry",
    [
        "~/.local/lib/python3.11/site-packages",  # .pth files run at the next python start
        "~/.local/lib",
        "~/.ipython",  # startup scripts
        "~/.config/pip",
        "~/.npmrc",
        "~/.npm",  # holds ~/.npm/_npx, packages npx runs
        "~/.config/nvim",
        "~/.vimrc",
        "~/.emacs.d",
        "~/.local/share/applications",
        "~/.cargo",  # bin, config.toml
        "~/.gradle",  # init.d
        "~/go/bin",
        "~/.cache",  # a folder of its own inside it, not all of it
        "~/.cache/pre-commit",
        # found by an attack: each runs code as you after the run
        "~/.cache/p10k-instant-prompt-root.zsh",
        "~/.cache/env.sh",
        "~/.cache/prek",
        "~/.cache/pipx",
        "~/.cache/nvim",
        "~/.cache/ms-playwright",
        "~/.local/state/nix",
        "~/.local/state/nix/profiles",
        "~/.local/state/home-manager",
        "~/.local/state/mise",
        "~/anything",
    ],
)
def test_an_entry_outside_the_allowed_folders_is_refused_saying_what_is_allowed(
    entry: str,
) -> None:
    found = ws207(entry)
    assert [t for t, _ in found] == [json.dumps(entry)], found
    assert "below your home a step may write only ~/.cache/<tool>," in found[0][1]


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("~/.bash_aliases", "~/.bash_aliases"),
        ("~/.profile", "~/.profile"),
        ("~/.zshenv", "~/.zshenv"),
        ("~/.config/fish/conf.d", "~/.config/fish"),
        ("~/.config/autostart", "~/.config/autostart"),
        ("~/.config/systemd", "~/.config/systemd"),
        ("~/.config/environment.d", "~/.config/environment.d"),
    ],
)
def test_a_start_up_file_is_named(entry: str, named: str) -> None:
    found = ws207(entry)
    assert len(found) == 1 and f"would let a step write {named}," in found[0][1], found


@pytest.mark.parametrize(
    "entry",
    [
        "~/.codex/.env",
        "~/.gemini/.env",
        "~/.claude/rules",
        "~/.gemini/trustedFolders.json",
        "~/.claude/statusline-command.sh",
        "~/.claude/anything-new",
        "~/.codex/skills/.system",
        "~/.claude/projects/-home-me-repo/memory",
        "~/.aider/oauth-keys.env",
    ],
)
def test_an_agent_folder_is_writable_only_for_its_data(entry: str) -> None:
    found = ws207(entry)
    assert len(found) == 1 and "an agent's settings or instructions" in found[0][1], found
    assert "only its data is writable" in found[0][1]


@pytest.mark.parametrize(
    "entry",
    [
        "~/.cache/pip",
        "~/.cache/huggingface",
        "~/.local/state/nvim",
        "~/.npm/_cacache",
        "~/.cargo/registry",
        "~/.m2/repository",
        "~/.gradle/caches",
        "~/go/pkg/mod",
        "~/.claude",
        "~/.claude/projects",
        "~/.codex",
        "~/.codex/sessions",
        "~/.gemini/tmp",
        "~/.aider/caches",
        os.path.expanduser("~/.cache/pip"),
    ],
)
def test_caches_state_and_agent_data_pass(entry: str) -> None:
    assert ws207(entry) == []


def test_an_absolute_path_holding_home_is_refused(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", os.path.join(tmp_path, "users", "me"))
    found = ws207(os.path.join(tmp_path, "users"))
    assert len(found) == 1 and "holds your home folder" in found[0][1], found


def test_the_allow_list_and_the_agents_data_never_hold_a_start_up_file() -> None:
    assert all(
        p[0] not in (".config", ".local", ".bashrc", ".profile") or p[1] == "state"
        for p in WRITABLE_IN_HOME
    )
    assert not is_agent_data((".claude", "settings.json"))
    assert not is_agent_data((".codex", "config.toml"))
    assert is_agent_data((".codex", "state_5.sqlite-wal"))
