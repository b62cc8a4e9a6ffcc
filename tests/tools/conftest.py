"""Fixtures for the real-tool tests: the installed aider, a fake model, a fresh HOME, git repos.

aider is found through ``WORKSTREAM_AIDER_BIN`` (its bin folder) or where
``scripts/install_tools.sh`` puts it, ``${WORKSTREAM_TOOLS:-~/.cache/workstream-tools}/aider/bin``.
Without it the tests are skipped, or fail when ``WORKSTREAM_REQUIRE_TOOLS=1`` (CI).

Every test gets its own HOME and its own fake model on 127.0.0.1; the ``workstream run``
subprocess gets the variables a user would set for such a model (``OPENAI_API_BASE``,
``AIDER_MODEL``, ``AIDER_EDIT_FORMAT``...), and proxies that refuse everything else, so
nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.fake_model import FakeModel

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "samples" / "02-parallel-execution.workstream.json"
PYTHON_BIN = str(Path(sys.executable).parent)
AIDER_VERSION = "0.86.2"

# Variables of the caller that would reach another model, a real HOME or a real proxy.
_DROP_PREFIXES = ("AIDER_", "OPENAI_", "ANTHROPIC_", "LITELLM_", "GEMINI_", "XDG_")
_DROP = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ALL_PROXY", "BROWSER"}


def default_aider_bin() -> Path:
    """Where scripts/install_tools.sh installs aider."""
    tools = os.environ.get("WORKSTREAM_TOOLS") or str(Path.home() / ".cache/workstream-tools")
    return Path(tools) / "aider" / "bin"


def find_aider() -> tuple[Path | None, str]:
    """aider's bin folder and its version, or None and why not."""
    given = os.environ.get("WORKSTREAM_AIDER_BIN")
    bin_dir = Path(given) if given else default_aider_bin()
    exe = bin_dir / "aider"
    if not exe.is_file():
        return None, f"no aider at {exe} (set WORKSTREAM_AIDER_BIN or run scripts/install_tools.sh)"
    with tempfile.TemporaryDirectory(prefix="ws-aider-home-") as home:
        env = {**os.environ, "HOME": home}
        try:
            out = subprocess.run(
                [str(exe), "--version"], capture_output=True, text=True, env=env, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{exe} --version did not run: {exc}"
    if out.returncode != 0:
        return None, f"{exe} --version failed: {out.stderr.strip()[-500:]}"
    return bin_dir, out.stdout.strip()


@pytest.fixture(scope="session")
def aider_bin() -> Path:
    """The bin folder of a working aider; skips (or fails under WORKSTREAM_REQUIRE_TOOLS=1)."""
    bin_dir, version = find_aider()
    if bin_dir is None:
        if os.environ.get("WORKSTREAM_REQUIRE_TOOLS") == "1":
            pytest.fail(f"WORKSTREAM_REQUIRE_TOOLS=1 but aider is missing: {version}")
        pytest.skip(version)
    assert version == f"aider {AIDER_VERSION}", f"expected aider {AIDER_VERSION}, got {version!r}"
    return bin_dir


@pytest.fixture
def fake_model() -> Iterator[FakeModel]:
    with FakeModel() as model:
        yield model


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh HOME for the user of this test."""
    path = tmp_path / "home"
    path.mkdir()
    return path


def aider_env(aider_bin: Path, fake: FakeModel, home: Path) -> dict[str, str]:
    """The environment of ``workstream run``: what a user of a local model would export."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_DROP_PREFIXES) and k not in _DROP and not k.startswith("WORKSTREAM_")
    }
    env.update(
        HOME=str(home),
        PATH=os.pathsep.join([PYTHON_BIN, str(aider_bin), env.get("PATH", "/usr/bin:/bin")]),
        OPENAI_API_BASE=fake.base_url,
        OPENAI_API_KEY="fake-key",
        AIDER_MODEL="openai/fake-model",
        AIDER_EDIT_FORMAT="whole",
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def git(cwd: Path, *args: str) -> str:
    """Run git and return its stdout (raising on failure)."""
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return out.stdout


def make_repo(root: Path, files: dict[str, str], workstream: str) -> Path:
    """A user's repository with ``files`` and the workstream committed; its file's path."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test User")
    git(root, "config", "user.email", "test@example.com")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    path = root / SEED.name
    path.write_text(workstream)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return path


def seed_text(*, sandbox: bool = True) -> str:
    """The seed's example 02 exactly as in samples/, or with ``"sandbox": false`` added."""
    text = SEED.read_text()
    if not sandbox:
        marker = '"execution": {'
        assert marker in text
        text = text.replace(marker, marker + ' "sandbox": false,', 1)
    return text


def seed_steps() -> dict[str, tuple[str, str]]:
    """Each step of the seed: its one file and its task."""
    data = json.loads(
        "\n".join(
            line for line in SEED.read_text().splitlines() if not line.strip().startswith("//")
        )
    )
    return {s["id"]: (s["files"][0], s["tasks"][0]) for s in data["steps"]}


def workstream_cli(
    repo: Path, env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m workstream ARGS`` in ``repo``, no standard input."""
    return subprocess.run(
        [sys.executable, "-m", "workstream", *args],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def has_bwrap() -> bool:
    return shutil.which("bwrap") is not None
