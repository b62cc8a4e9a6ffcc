"""The sandbox below HOME, on real bubblewrap: hidden credentials stay hidden under a
writable folder that holds them (they are mounted last), and a private folder is empty and
of the command's own (Codex's system skills) — issue 8, found by an attack."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from workstream.executor.sandbox import SandboxSpec, find_bwrap, sandbox_argv

BWRAP = find_bwrap()
pytestmark = pytest.mark.skipif(
    BWRAP is None, reason="bubblewrap is missing or cannot create namespaces here"
)


@pytest.fixture
def home() -> Iterator[Path]:
    """A HOME of its own below the real one (``/tmp`` is private in the sandbox)."""
    real = Path(os.path.realpath(Path.home()))
    if any(real.is_relative_to(p) for p in ("/tmp", "/var/tmp", "/dev/shm")):
        pytest.skip("HOME lies inside a directory the sandbox makes private")
    parent = real / ".cache" / "workstream-tests"
    parent.mkdir(parents=True, exist_ok=True)
    made = Path(os.path.realpath(tempfile.mkdtemp(prefix="home-", dir=parent)))
    (made / "work").mkdir()
    yield made
    shutil.rmtree(made)


def sandboxed(spec: SandboxSpec, script: str) -> subprocess.CompletedProcess[str]:
    assert BWRAP is not None
    return subprocess.run(
        sandbox_argv(BWRAP, spec, ["/bin/sh", "-c", script]),
        cwd=spec.worktree,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )


def test_a_writable_folder_holding_a_secret_does_not_show_it(home: Path) -> None:
    """The rules refuse such a folder; should one get through (a link made after the check),
    the hiding is mounted after the writable binds and wins."""
    (home / ".docker").mkdir()
    (home / ".docker" / "config.json").write_text('{"auths": {"x": "secret"}}\n')
    (home / ".config" / "gh").mkdir(parents=True)
    (home / ".config" / "gh" / "hosts.yml").write_text("token: secret\n")
    spec = SandboxSpec(
        worktree=home / "work", writable=(home / ".docker", home / ".config"), home=home
    )
    proc = sandboxed(
        spec,
        f"cat '{home}/.docker/config.json' 2>&1; ls -A '{home}/.config/gh'; "
        f"echo x > '{home}/.docker/other' && echo wrote; "
        f"echo x > '{home}/.config/gh/hosts.yml' 2>&1 || echo refused",
    )
    assert "secret" not in proc.stdout, proc.stdout + proc.stderr
    assert "wrote" in proc.stdout  # the rest of the folder is writable
    assert proc.stdout.rstrip().endswith("refused")
    assert (home / ".config" / "gh" / "hosts.yml").read_text() == "token: secret\n"


def test_a_private_folder_is_empty_and_its_writes_stay_inside(home: Path) -> None:
    system = home / ".codex" / "skills" / ".system"
    system.mkdir(parents=True)
    (system / ".codex-system-skills.marker").write_text("v1\n")
    spec = SandboxSpec(
        worktree=home / "work",
        writable=(home / ".codex",),
        read_only=(home / ".codex" / "skills",),
        private=(system,),
        home=home,
    )
    proc = sandboxed(
        spec,
        f"ls -A '{system}' | wc -l; mkdir '{system}/evil' && echo run > '{system}/evil/SKILL.md'"
        f" && echo wrote; touch '{home}/.codex/skills/other' 2>&1 || echo refused",
    )
    lines = proc.stdout.split()
    assert lines[0] == "0" and "wrote" in lines, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("refused")
    assert sorted(p.name for p in system.iterdir()) == [".codex-system-skills.marker"]
    assert not (home / ".codex" / "skills" / "other").exists()
