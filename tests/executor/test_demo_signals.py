"""``workstream demo`` removes its scratch folder when stopped by SIGTERM or SIGHUP.

The demo runs as a real subprocess with a TMPDIR of its own, so the test sees exactly which
``workstream-demo-*`` folders it made; the signal comes before the run starts (while the
scratch repository is being written or just after) and while the steps run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _demo(tmp: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1", "TERM": "dumb"}
    return subprocess.Popen(
        [sys.executable, "-m", "workstream", "demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a signal for the demo alone, like a closed terminal's
    )


def _wait_for(proc: subprocess.Popen[str], marker: str) -> str:
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
        if marker in line:
            return seen
    pytest.fail(f"the demo never printed {marker!r}:\n{seen}")


def _made(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("workstream-demo-*"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
@pytest.mark.parametrize("moment", ["scratch repository:", "stand-in aider: writing"])
def test_demo_removes_its_folder_on_signal(
    tmp_path: Path, sig: signal.Signals, moment: str
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = _demo(tmp)
    try:
        _wait_for(proc, moment)
        assert _made(tmp), "the demo made no scratch folder"
        proc.send_signal(sig)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert _made(tmp) == []


def test_demo_removes_its_folder_on_an_immediate_signal(tmp_path: Path) -> None:
    """A signal at any moment of start-up: either nothing was made or it is gone."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    for delay in (0.2, 0.5, 0.8):
        proc = _demo(tmp)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        assert _made(tmp) == [], f"left after SIGTERM at {delay} s"
