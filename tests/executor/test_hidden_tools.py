"""Programs on PATH below /tmp (which the sandbox replaces with a private /tmp) run in the
sandbox, also when they are symlinks into another hidden folder: a virtualenv's program
linked from a tools folder, or a node_modules/.bin entry whose package needs its siblings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workstream.executor.sandbox import find_bwrap

from .conftest import PYTHON_BIN, Repo, run, statuses, ws

pytestmark = pytest.mark.skipif(find_bwrap() is None, reason="bubblewrap is not installed")


def test_symlinked_programs_below_tmp_run_sandboxed(repo: Repo, tmp_path: Path) -> None:
    assert str(tmp_path).startswith(("/tmp/", "/var/tmp/")), "the case needs a hidden folder"
    real = tmp_path / "elsewhere" / "venv" / "bin"
    real.mkdir(parents=True)
    (real / "realtool").write_text("#!/bin/sh\nprintf venv > from-venv.txt\n")
    (real / "realtool").chmod(0o755)
    package = tmp_path / "npm" / "node_modules" / "@scope" / "cli"
    package.mkdir(parents=True)
    helper = tmp_path / "npm" / "node_modules" / "helper-lib"
    helper.mkdir(parents=True)
    (helper / "lib.sh").write_text("printf npm > from-npm.txt\n")
    (package / "cli.sh").write_text(f"#!/bin/sh\n. {helper / 'lib.sh'}\n")
    (package / "cli.sh").chmod(0o755)
    bin_dir = tmp_path / "npm" / "node_modules" / ".bin"
    bin_dir.mkdir()
    (bin_dir / "npmtool").symlink_to("../@scope/cli/cli.sh")
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "venvtool").symlink_to(real / "realtool")
    path = repo.workstream(
        ws(
            {"id": "v", "run": "venvtool", "files": ["from-venv.txt"]},
            {"id": "n", "run": "npmtool", "files": ["from-npm.txt"]},
        )
    )
    env = {"PATH": os.pathsep.join([str(tools), str(bin_dir), PYTHON_BIN, "/usr/bin", "/bin"])}
    result, _ = run(path, env=env)
    assert statuses(result) == {"v": "succeeded", "n": "succeeded"}, {
        s: e.message for s, e in result.state.steps.items()
    }
    assert repo.show(result.state.steps["v"].commit or "", "from-venv.txt") == "venv"
    assert repo.show(result.state.steps["n"].commit or "", "from-npm.txt") == "npm"
