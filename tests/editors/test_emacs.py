"""A second real editor: headless Emacs with eglot (Debian's ``emacs-nox`` and ``elpa-eglot``)
drives ``workstream serve`` with the configuration README gives.

It opens a file with a misspelt property and reads the diagnostics through Flymake, hovers a
step (eglot asks for plain text), lists the code actions on it and runs the step by its
"Run step" action, as ``M-x eglot-code-actions`` would. Emacs's own files stay in a
temporary HOME.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lsp.test_runs import make_repo, run_branches

pytestmark = pytest.mark.emacs

EMACS = shutil.which("emacs")
BROKEN = """{
  "id": "ws-emacs-broken",
  "execution": {"max_worker": 2},
  "steps": [{"id": "a", "run": "true", "files": []}]
}
"""
PLAN = """{
  "id": "ws-emacs",
  "steps": [
    {"id": "a", "run": "echo a > a.txt", "files": ["a.txt"]},
    {"id": "b", "description": "Write b", "run": "echo b > b.txt", "files": ["b.txt"]}
  ]
}
"""


@pytest.mark.skipif(EMACS is None, reason="emacs is not installed (apt-get install emacs-nox)")
def test_emacs_eglot_diagnostics_hover_and_a_run_by_code_action(tmp_path: Path) -> None:
    assert EMACS is not None
    plan = make_repo(tmp_path / "repo", PLAN)
    broken = plan.parent / "broken.workstream.json"
    broken.write_text(BROKEN, encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=plan.parent, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "broken"],
        cwd=plan.parent,
        check=True,
    )
    out = tmp_path / "seen.json"
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "WORKSTREAM_PYTHON": sys.executable,
        "WORKSTREAM_BROKEN": str(broken),
        "WORKSTREAM_PLAN": str(plan),
        "WORKSTREAM_OUT": str(out),
    }
    script = Path(__file__).with_name("workstream-eglot.el")
    done = subprocess.run(
        [EMACS, "--batch", "-q", "-l", str(script)],
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.exists(), done.stderr[-3000:]
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen["errors"] == [], done.stderr[-3000:]
    assert seen["mode"] == "workstream-mode"  # the README's auto-mode-alist entry
    assert any(
        "Unknown property 'max_worker' in 'execution'. Did you mean 'max_workers'?" in text
        for text in seen["diagnostics"]
    ), seen["diagnostics"]
    assert seen["hover_kind"] == "plaintext"
    assert seen["hover"].startswith("b — Write b"), seen["hover"]
    assert "`" not in seen["hover"] and "**" not in seen["hover"]
    assert seen["actions"] == ["Run step 'b'", "Run workstream"]
    assert any("ws-emacs: run succeeded" in m for m in seen["messages"]), seen["messages"]
    assert "workstream/ws-emacs/step/b" in run_branches(plan)
    assert "workstream/ws-emacs/step/a" not in run_branches(plan)
