"""pyenv: a worktree's import roots, the step's Python environment, the read-only hint, the
fingerprint of the user's venv (pure functions; the end-to-end runs are in
tests/tools/test_python_project.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import Repo, run, statuses, ws
from workstream.executor.pyenv import (
    RECIPE,
    import_roots,
    read_only_env_hint,
    step_env,
    venv_changes,
    venv_fingerprint,
    worktree_venv_env,
)


def _write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_src_layout_is_found_without_configuration(tmp_path: Path) -> None:
    _write(tmp_path / "src" / "app" / "__init__.py")
    assert import_roots(tmp_path) == [tmp_path / "src", tmp_path]


def test_a_lone_module_in_src_is_a_src_layout(tmp_path: Path) -> None:
    _write(tmp_path / "src" / "tool.py")
    assert import_roots(tmp_path)[0] == tmp_path / "src"


def test_flat_layout_has_only_the_worktree(tmp_path: Path) -> None:
    _write(tmp_path / "app" / "__init__.py")
    _write(tmp_path / "src" / "notes.txt")
    assert import_roots(tmp_path) == [tmp_path]


@pytest.mark.parametrize(
    ("toml", "folder"),
    [
        ('[tool.setuptools]\npackage-dir = {"" = "lib"}\n', "lib"),
        ('[tool.setuptools.packages.find]\nwhere = ["code"]\n', "code"),
        ('[tool.hatch.build.targets.wheel]\npackages = ["py/app"]\n', "py"),
        ('[tool.hatch.build.targets.wheel.sources]\n"pkgs" = ""\n', "pkgs"),
        ('[tool.poetry]\npackages = [{include = "app", from = "source"}]\n', "source"),
        ('[tool.pdm.build]\npackage-dir = "pdmsrc"\n', "pdmsrc"),
    ],
)
def test_pyproject_package_dirs(tmp_path: Path, toml: str, folder: str) -> None:
    _write(tmp_path / "pyproject.toml", toml)
    (tmp_path / folder).mkdir()
    assert import_roots(tmp_path) == [tmp_path / folder, tmp_path]


def test_pyproject_cannot_point_outside_the_worktree(tmp_path: Path) -> None:
    work = tmp_path / "work"
    _write(work / "pyproject.toml", '[tool.setuptools]\npackage-dir = {"" = "../.."}\n')
    _write(work / "garbage.toml", "")
    _write(work / "pyproject.toml.bak", "[[[")
    assert import_roots(work) == [work]
    _write(work / "pyproject.toml", "not [ toml")
    assert import_roots(work) == [work]


def test_step_env_puts_the_roots_before_existing_entries(tmp_path: Path) -> None:
    _write(tmp_path / "src" / "app" / "__init__.py")
    env = step_env(tmp_path, {"PYTHONPATH": f"/elsewhere{os.pathsep}{tmp_path}", "X": "1"})
    assert env["PYTHONPATH"].split(os.pathsep) == [
        str(tmp_path / "src"),
        str(tmp_path),
        "/elsewhere",
    ]
    assert env["X"] == "1"
    assert step_env(tmp_path, {})["PYTHONPATH"] == os.pathsep.join(
        [str(tmp_path / "src"), str(tmp_path)]
    )


def test_worktree_venv_env(tmp_path: Path) -> None:
    base = {"PATH": "/user/venv/bin:/usr/bin", "VIRTUAL_ENV": "/user/venv", "PYTHONHOME": "/x"}
    assert worktree_venv_env(tmp_path, base) == base  # no .venv: unchanged
    python = _write(tmp_path / ".venv" / "bin" / "python")
    python.chmod(0o755)
    env = worktree_venv_env(tmp_path, base)
    assert env["PATH"].split(os.pathsep)[0] == str(tmp_path / ".venv" / "bin")
    assert env["PATH"].endswith("/user/venv/bin:/usr/bin")
    assert env["VIRTUAL_ENV"] == str(tmp_path / ".venv")
    assert "PYTHONHOME" not in env


@pytest.mark.parametrize(
    "line",
    [
        "ERROR: Could not install packages due to an OSError: [Errno 30] Read-only file system",
        "OSError: [Errno 30] Read-only file system: '/home/u/venv/lib/python3.11/site-packages/x'",
        "error: failed to create directory `/home/u/venv/lib/python3.12/site-packages/app`: "
        "Read-only file system (os error 30)",
        "PermissionError: [Errno 13] Permission denied: '/usr/lib/python3/dist-packages/app'",
    ],
)
def test_hint_for_a_write_refused_in_the_users_environment(line: str) -> None:
    hint = read_only_env_hint(["noise", line], 1, {"VIRTUAL_ENV": "/home/u/venv"})
    assert hint is not None and hint.startswith("hint: ") and RECIPE in hint
    assert "\n" not in hint


def test_no_hint_for_other_failures() -> None:
    env = {"VIRTUAL_ENV": "/home/u/venv"}
    assert read_only_env_hint(["AssertionError"], 1, env) is None
    assert (
        read_only_env_hint(["sh: 1: cannot create /etc/x: Read-only file system"], 2, env) is None
    )
    assert read_only_env_hint(["Could not install packages due to an OSError"], 0, env) is None
    assert read_only_env_hint(["Permission denied: /home/u/venv/bin/x"], 1, env) is not None


def _venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    _write(site / "__editable__.app-0.1.pth", "/home/u/proj/src\n")
    _write(site / "app-0.1.dist-info" / "direct_url.json", '{"url": "file:///home/u/proj"}')
    _write(site / "pkg" / "__init__.py")
    _write(venv / "bin" / "app", "#!/bin/sh\n")
    _write(venv / "pyvenv.cfg", "home = /usr/bin\n")
    return venv


def test_fingerprint_sees_an_editable_install_repointed(tmp_path: Path) -> None:
    venv = _venv(tmp_path)
    env = {"VIRTUAL_ENV": str(venv)}
    before = venv_fingerprint(env)
    assert venv_changes(before, venv_fingerprint(env)) == []
    pth = next(venv.glob("lib/*/site-packages/__editable__.app-0.1.pth"))
    stat = pth.stat()
    pth.write_text("/home/u/work/src\n")  # the same length, the same mtime: content counts
    os.utime(pth, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (changes,) = venv_changes(before, venv_fingerprint(env))
    assert "__editable__.app-0.1.pth" in changes and "a step installed into it" in changes


def test_fingerprint_ignores_bytecode_written_by_imports(tmp_path: Path) -> None:
    venv = _venv(tmp_path)
    env = {"VIRTUAL_ENV": str(venv)}
    before = venv_fingerprint(env)
    site = next(venv.glob("lib/*/site-packages"))
    _write(site / "pkg" / "__pycache__" / "__init__.cpython-311.pyc")
    _write(site / "__pycache__" / "six.cpython-311.pyc")
    assert venv_changes(before, venv_fingerprint(env)) == []
    _write(site / "new_pkg" / "__init__.py")
    (changes,) = venv_changes(before, venv_fingerprint(env))
    assert "added new_pkg" in changes


def test_no_venv_no_fingerprint(tmp_path: Path) -> None:
    assert venv_fingerprint({}) == {}
    assert venv_fingerprint({"VIRTUAL_ENV": str(tmp_path / "missing")}) == {}


def test_a_real_venv_fingerprint_is_stable(tmp_path: Path) -> None:
    venv = tmp_path / "real"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    env = {"VIRTUAL_ENV": str(venv)}
    before = venv_fingerprint(env)
    subprocess.run([str(venv / "bin" / "python"), "-c", "import site"], check=True)
    assert before and venv_changes(before, venv_fingerprint(env)) == []


@pytest.mark.parametrize("ignored", [True, False], ids=["gitignored", "not-ignored"])
def test_a_worktree_venv_is_never_the_steps_change(repo: Repo, ignored: bool) -> None:
    if ignored:  # git 2.39 exits 1 when an exclude pathspec matches an ignored path
        repo.write(".gitignore", "__pycache__/\n.venv/\n")
        repo.commit_all("ignore .venv")
    make = "mkdir -p .venv/bin .venv/lib && echo x > .venv/lib/big && echo 1 > a.txt"
    path = repo.workstream(ws({"id": "one", "run": make, "files": ["a.txt"]}))
    result, _ = run(path)
    assert statuses(result) == {"one": "succeeded"}, result.state.steps["one"].message
    assert repo.files("workstream/ws-test/step/one") == repo.files("HEAD") | {"a.txt"}
