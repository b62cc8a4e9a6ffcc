"""The real Claude Code, Codex CLI and Gemini CLI, run by ``workstream run``, offline.

Each CLI is the npm package ``scripts/install_agent_clis.sh`` installs, found in
``WORKSTREAM_AGENT_BIN`` or in ``node_modules/.bin`` below
``${WORKSTREAM_TOOLS:-~/.cache/workstream-tools}/npm``; without it the tests are skipped, or
fail under ``WORKSTREAM_REQUIRE_TOOLS=1``. Each runs as the built-in definition says (no
``tools`` entry), under the sandbox, in a fresh git repository and a fresh HOME, against
:class:`~tests.tools.fake_agent_apis.FakeAgentAPIs` on 127.0.0.1, configured the way a user
points each CLI at a gateway:

- Claude Code: ``ANTHROPIC_BASE_URL`` and ``ANTHROPIC_API_KEY``;
- Codex CLI: a model provider in ``~/.codex/config.toml`` whose ``base_url`` is the fake's;
- Gemini CLI: ``GOOGLE_GEMINI_BASE_URL`` and ``GEMINI_API_KEY``, with ``gemini-api-key``
  selected in ``~/.gemini/settings.json`` (the base URL alone selects the "gateway" auth
  type, which Gemini CLI 0.61 then refuses as "Invalid auth method selected").

Proxies point at a closed port and ``NO_PROXY`` covers only the loopback, so nothing leaves
the machine. The task starts with ``--``: each CLI must take it as its prompt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import pytest

from tests.tools.fake_agent_apis import FakeAgentAPIs
from workstream.builtin_tools import BUILTIN
from workstream.executor.sandbox import find_bwrap

PYTHON_BIN = str(Path(sys.executable).parent)
AGENTS = ("claude", "codex", "gemini")
WS_ID = "ws-agents"
# Every variable that would reach a real model, a real account or a real proxy.
_DROP_PREFIXES = ("ANTHROPIC_", "CLAUDE_", "OPENAI_", "CODEX_", "GEMINI_", "GOOGLE_", "XDG_")
_DROP = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ALL_PROXY", "BROWSER"}
# What each CLI keeps of its own in HOME; the sandbox lets it write nothing else there.
_STATE = {"claude": ".claude", "codex": ".codex", "gemini": ".gemini"}


def default_bin() -> Path:
    """Where scripts/install_agent_clis.sh puts the CLIs."""
    tools = os.environ.get("WORKSTREAM_TOOLS") or str(Path.home() / ".cache/workstream-tools")
    return Path(tools) / "npm" / "node_modules" / ".bin"


def find_cli(name: str) -> tuple[Path | None, str]:
    """The bin folder holding a working ``name`` and its version, or None and why not."""
    given = os.environ.get("WORKSTREAM_AGENT_BIN")
    bin_dir = Path(given) if given else default_bin()
    exe = bin_dir / name
    if not exe.exists():
        return None, f"no {name} at {exe} (run scripts/install_agent_clis.sh)"
    with tempfile.TemporaryDirectory(prefix=f"ws-{name}-home-") as home:
        try:
            out = subprocess.run(
                [str(exe), "--version"],
                capture_output=True,
                text=True,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home},
                stdin=subprocess.DEVNULL,
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{exe} --version did not run: {exc}"
    if out.returncode != 0:
        return None, f"{exe} --version failed: {(out.stderr or out.stdout).strip()[-500:]}"
    return bin_dir, out.stdout.strip().splitlines()[-1]


def need(what: str, why: str) -> None:
    """Skip for a missing prerequisite, or fail when the run requires the real tools."""
    if os.environ.get("WORKSTREAM_REQUIRE_TOOLS") == "1":
        pytest.fail(f"WORKSTREAM_REQUIRE_TOOLS=1 but {what} is missing: {why}")
    pytest.skip(why)


@pytest.fixture
def fake() -> Iterator[FakeAgentAPIs]:
    with FakeAgentAPIs() as apis:
        yield apis


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return out.stdout


def make_repo(root: Path, workstream: str) -> None:
    """A user's repository: a README, a source file and the workstream, committed."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test User")
    git(root, "config", "user.email", "test@example.com")
    (root / "README.md").write_text("# scratch\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('app')\n")
    (root / "plan.workstream.json").write_text(workstream)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")


def prepare_home(tool: str, home: Path, fake: FakeAgentAPIs) -> set[str]:
    """A fresh HOME, with what a user of a gateway writes once; the names made in it."""
    home.mkdir()
    if tool == "codex":
        (home / ".codex").mkdir()
        (home / ".codex" / "config.toml").write_text(
            'model = "fake-model"\nmodel_provider = "fake"\n\n'
            "[model_providers.fake]\n"
            f'name = "fake"\nbase_url = "{fake.openai_base}"\n'
            'wire_api = "responses"\nenv_key = "FAKE_OPENAI_KEY"\n'
        )
    if tool == "gemini":
        (home / ".gemini").mkdir()
        (home / ".gemini" / "settings.json").write_text(
            '{"security": {"auth": {"selectedType": "gemini-api-key"}}}\n'
        )
    return {p.name for p in home.iterdir()}


def agent_env(bin_dir: Path, home: Path, fake: FakeAgentAPIs) -> dict[str, str]:
    """The environment of ``workstream run``: what a user of a local gateway exports."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith((*_DROP_PREFIXES, "WORKSTREAM_")) and k not in _DROP
    }
    env.update(
        HOME=str(home),
        PATH=os.pathsep.join([PYTHON_BIN, str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
        ANTHROPIC_BASE_URL=fake.base_url,
        ANTHROPIC_API_KEY="sk-ant-fake",
        FAKE_OPENAI_KEY="sk-fake",
        GOOGLE_GEMINI_BASE_URL=fake.base_url,
        GEMINI_API_KEY="fake-gemini-key",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def all_commits_files(repo: Path) -> set[str]:
    """Every path in every commit reachable from any branch."""
    names: set[str] = set()
    for commit in git(repo, "rev-list", "--all").split():
        names.update(git(repo, "ls-tree", "-r", "--name-only", commit).split("\n"))
    return names - {""}


@pytest.mark.slow
@pytest.mark.parametrize("tool", AGENTS)
def test_the_real_cli_runs_its_step_offline_under_the_sandbox(
    tool: str, tmp_path: Path, fake: FakeAgentAPIs
) -> None:
    bin_dir, version = find_cli(tool)
    if bin_dir is None:
        need(tool, version)
    assert bin_dir is not None
    if find_bwrap() is None:
        need("a working bubblewrap", "bubblewrap cannot run here; the test is for the sandbox")
    target, text = f"notes/{tool}.txt", f"hello from {tool}"
    task = f'--careful: write the file {target} with the text "{text}"'
    step = {"id": "write", "tool": tool, "tasks": [task], "files": [target]}
    workstream = {"id": WS_ID, "execution": {"timeout_per_step": 240}, "steps": [step]}
    repo, home = tmp_path / "repo", tmp_path / "home"
    make_repo(repo, json.dumps(workstream, indent=2))
    made = prepare_home(tool, home, fake)
    before = git(repo, "rev-parse", "HEAD").strip()

    out = subprocess.run(
        [sys.executable, "-m", "workstream", "run", "plan.workstream.json"],
        cwd=repo,
        env=agent_env(bin_dir, home, fake),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = f"{tool} {version}\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
    assert out.returncode == 0, report
    assert "without a sandbox" not in out.stdout + out.stderr, report
    assert fake.paths(), f"{tool} never called the fake API\n{report}"

    # The step's commit holds exactly its file, with the text asked for.
    commit = git(repo, "rev-parse", f"workstream/{WS_ID}/step/write").strip()
    changed = git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", before, commit)
    assert changed.split() == [target], report
    assert git(repo, "show", f"{commit}:{target}") == text + "\n"
    assert git(repo, "rev-parse", f"workstream/{WS_ID}/result").strip() == commit

    # No bookkeeping, and nothing of the CLI's own, in any commit.
    own = (*BUILTIN[tool].bookkeeping, f"{_STATE[tool]}/*", "CLAUDE.md", "GEMINI.md")
    stray = [p for p in all_commits_files(repo) if any(fnmatch(p, g) for g in own)]
    assert stray == [], stray

    # The user's repository: same HEAD and branch, a clean tree, no worktree left.
    assert git(repo, "rev-parse", "HEAD").strip() == before
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(repo, "status", "--porcelain", "--ignored", "--untracked-files=all") == ""
    listed = git(repo, "worktree", "list", "--porcelain").splitlines()
    paths = [line[9:] for line in listed if line.startswith("worktree ")]
    # no step's worktree is kept; the idle pool stays for the next run (clean removes it)
    assert [Path(p).name for p in paths[1:] if not Path(p).name.startswith(".pool-")] == []
    kept = repo / ".git" / "workstream" / WS_ID / "worktrees"
    left = [p for p in kept.iterdir() if p.is_dir()] if kept.exists() else []
    assert [p for p in left if not p.name.startswith(".pool-")] == []

    # HOME: the CLI wrote only its writable folder there (the sandbox allowed nothing else).
    assert {p.name for p in home.iterdir()} <= made | {_STATE[tool]}
    assert (home / _STATE[tool]).is_dir()
