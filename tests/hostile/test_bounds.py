"""Bounded work and odd values: a clear finding or failure, never a crash or a memory blow-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, run, ws
from workstream.executor import ExecutorError

from .conftest import Guarded


def run_cli(path: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """``workstream run`` in a child; its result and its peak RSS in MiB.

    The peak is the child's own ``VmHWM`` (per address space, so not inflated by the forked
    copy of this test process the way ``ru_maxrss`` is), read until it exits.
    """
    env = {**os.environ, "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]}
    peak_kib = 0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "workstream", "run", str(path)], stdout=out, stderr=err, env=env
        )
        while child.poll() is None:
            try:
                status = Path(f"/proc/{child.pid}/status").read_text()
            except OSError:
                break
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak_kib = max(peak_kib, int(line.split()[1]))
            time.sleep(0.02)
        child.wait()
        out.seek(0)
        err.seek(0)
        text = [f.read().decode("utf-8", "replace") for f in (out, err)]
    done = subprocess.CompletedProcess(child.args, child.returncode, text[0], text[1])
    return done, peak_kib // 1024


def test_one_huge_output_line_costs_a_bounded_buffer(repo: Guarded) -> None:
    huge = "head -c 300000000 /dev/zero | tr '\\\\0' x; echo; echo done"
    path = repo.workstream(ws({"id": "loud", "run": huge, "files": []}))
    repo.expected = repo.snapshot()
    done, peak_mib = run_cli(path)
    assert done.returncode == 0, done.stderr
    assert peak_mib < 250, f"the runner peaked at {peak_mib} MiB for a 300 MB line"
    log = next((repo.root / ".git" / "workstream" / "ws-test" / "logs").rglob("loud.log"))
    text = log.read_text()
    assert len(text) < 20_000_000 and "left out" in text and "done" in text


@pytest.mark.parametrize("env", [{"A=B": "x"}, {"": "x"}, {"OK": "nul\u0000inside"}, {"1X": "y"}])
def test_bad_env_is_refused_or_fails_clearly(repo: Guarded, env: dict[str, str]) -> None:
    path = repo.workstream(ws({"id": "a", "run": "true", "env": env}))
    repo.expected = repo.snapshot()
    try:
        result, _ = run(path)
    except ExecutorError as error:
        assert "env" in str(error) or "error" in str(error)
        return
    entry = result.state.steps["a"]
    assert entry.status == "failed" and "internal error" not in entry.message
    assert "env" in entry.message


@pytest.mark.parametrize(
    "execution",
    [
        {"rate_limit_delay": 1e308},
        {"timeout_per_step": 1e308},
        {"retries": 10**50},
        {"max_workers": 10**400},
    ],
)
def test_absurd_numbers_do_not_crash_the_runner(
    repo: Guarded, execution: dict[str, object]
) -> None:
    path = repo.workstream(ws({"id": "a", "run": "true"}, **execution))
    repo.expected = repo.snapshot()
    try:
        result, _ = run(path)
    except ExecutorError:
        return  # refused as a finding
    assert result.status == "succeeded"


def test_a_huge_number_literal_is_a_finding_not_a_traceback(repo: Guarded) -> None:
    path = repo.root / "big.workstream.json"
    doc = json.dumps(ws({"id": "a", "run": "true"})).replace(
        '"steps"', f'"n": {"9" * 5000}, "steps"'
    )
    path.write_text(doc)
    repo.commit_all("big")
    done = subprocess.run(
        [sys.executable, "-m", "workstream", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in done.stderr + done.stdout and done.returncode in (0, 1)
    done = subprocess.run(
        [sys.executable, "-m", "workstream", "run", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in done.stderr + done.stdout


def test_an_out_of_scope_file_with_a_non_utf8_name(repo: Guarded) -> None:
    path = repo.workstream(
        ws({"id": "a", "run": "printf x > \"$(printf 'caf\\351.txt')\"", "files": ["a.txt"]})
    )
    repo.expected = repo.snapshot()
    done, _ = run_cli(path)
    assert "Traceback" not in done.stdout + done.stderr and "internal error" not in done.stdout
    result, _ = run(path)
    entry = result.state.steps["a"]
    assert entry.status == "failed" and entry.reason == "scope" and "caf" in entry.message
    branch = "workstream/ws-test/step/a"
    names = subprocess.run(
        ["git", "ls-tree", "-r", "-z", "--name-only", branch],
        cwd=repo.root,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    assert b"caf\xe9.txt" in names  # its changes are saved on its branch
