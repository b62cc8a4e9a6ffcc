"""A real editor no one here wrote: headless Neovim drives ``workstream serve``.

It opens a workstream with a missing dependency, reads the diagnostic through
``vim.diagnostic.get`` and requests the code lenses (no run lens: the file has an error).
Neovim's own files stay in a temporary folder (``XDG_*_HOME``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lsp.conftest import FIXTURES

pytestmark = pytest.mark.neovim

NVIM = shutil.which("nvim")
WORKSTREAM = """{
  "id": "ws-neovim",
  "steps": [
    {"id": "build", "description": "Build ✅", "run": "make", "files": []},
    {"id": "test", "description": "Test 🚀", "run": "pytest", "depends_on": ["buidl"], "files": []}
  ]
}
"""


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (apt-get install neovim)")
def test_neovim_sees_the_diagnostic_and_the_lenses(tmp_path: Path) -> None:
    assert NVIM is not None
    path = tmp_path / "plan.workstream.json"
    path.write_text(WORKSTREAM, encoding="utf-8")
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        "WORKSTREAM_NVIM_OUT": str(out),
        "WORKSTREAM_NVIM_FILE": str(path),
        "WORKSTREAM_PYTHON": sys.executable,
    }
    for name in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        env[name] = str(tmp_path / name.lower())
    subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-c", f"luafile {FIXTURES / 'neovim.lua'}"],
        env=env,
        timeout=60,
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen["errors"] == []
    [diagnostic] = seen["diagnostics"]
    assert diagnostic["code"] == "WS102"
    assert diagnostic["source"] == "workstream"
    assert "Did you mean 'build'" in diagnostic["message"]
    line = WORKSTREAM.splitlines()[diagnostic["lnum"]]
    assert '"buidl"' in line
    # Neovim counts columns in bytes of the line: the emoji before count as four.
    assert line.encode()[diagnostic["col"] : diagnostic["end_col"]] == b'"buidl"'
    # The file cannot run: no run lens, the reason instead (a title only: Neovim has no
    # "show problems" command of ours).
    assert [(lens["title"], lens["command"]) for lens in seen["lenses"]] == [
        ("✗ fix 1 error to run", "")
    ]
