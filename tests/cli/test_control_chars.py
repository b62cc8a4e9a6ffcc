"""A step's output cannot drive the user's terminal: ``--progress plain`` (to a pipe and on a
TTY), the summary table and the failure tail under a row show no escape sequence and no
control character a step printed (OSC 52 clipboard writes, titles, cleared screens, C1)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.executor.conftest import PYTHON_BIN, Repo, ws
from workstream.commands.layout import printable

from .terminal import run_in_pty

#: What a hostile step prints: a clipboard write, a cleared screen, a title, a colour, a bell,
#: a carriage return, a DCS string and a C1 CSI; then a tab.
NASTY = (
    r"printf 'A\033]52;c;ZXZpbA==\007B\033[2JC\033]0;TITLE\007D\033[31mE\007F\rG"
    r"\033P1;2qpayload\033\\H\302\2335mI\tJ\n'"
)
#: The bytes no line of the run may carry to the terminal.
FORBIDDEN = (b"\x1b]", b"\x07", b"\x1b[2J", b"\x1b[31m", b"\x1bP", b"\xc2\x9b", b"\r", b"ZXZpbA")


def _plan(repo: Repo) -> str:
    """Two steps printing :data:`NASTY` (from a script: the command itself names none of it),
    one failing with it on stderr too (so it is under its row)."""
    repo.write("nasty.sh", NASTY + "\n")
    step = {"id": "loud", "run": "sh nasty.sh; sh nasty.sh >&2; exit 1", "files": []}
    return str(repo.workstream(ws(step, {"id": "ok", "run": "sh nasty.sh", "files": []})))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    env["PATH"] = PYTHON_BIN + os.pathsep + env.get("PATH", "")
    return env


def test_printable_strips_sequences_and_keeps_the_text() -> None:
    text = "A\x1b]52;c;ZXZpbA==\x07B\x1b[2JC\x1b]0;T\x1b\\D\x9b5mE\tF\x1bPq\x1b\\G\x00"
    assert printable(text) == "ABCD5mE FG"


def test_plain_output_to_a_pipe_carries_no_control_bytes(repo: Repo) -> None:
    path = _plan(repo)
    done = subprocess.run(
        [sys.executable, "-m", "workstream", "run", path, "--progress", "plain"],
        cwd=repo.root,
        capture_output=True,
        env=_env(),
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    out = done.stdout
    for bad in FORBIDDEN:
        assert bad not in out, (bad, out)
    assert b"\x1b" not in out  # no colour of our own either: plain to a pipe
    text = out.decode()
    assert "loud | ABCDEFGH5mI J" in text and "ok | ABCDEFGH5mI J" in text
    assert "Traceback" not in done.stderr.decode()


def test_plain_output_on_a_terminal_carries_no_step_control_bytes(repo: Repo) -> None:
    path = _plan(repo)
    session = run_in_pty(["run", path, "--progress", "plain"], repo.root, 120, env=_env())
    assert session.code == 1, session.text
    for bad in FORBIDDEN:
        if bad == b"\r":
            continue  # the pty's own line discipline turns each \n into \r\n
        assert bad not in session.raw, (bad, session.text)
    assert "loud | ABCDEFGH5mI J" in session.text
    assert not any("TITLE" in line or "ZXZpbA" in line for line in session.screen)


def test_the_live_board_and_its_tail_carry_no_step_control_bytes(repo: Repo) -> None:
    path = _plan(repo)
    session = run_in_pty(["run", path, "--progress", "live"], repo.root, 120, env=_env())
    assert session.code == 1, session.text
    for bad in (b"\x1b]", b"\x07", b"\x1b[2J", b"\x1bP", b"\xc2\x9b", b"ZXZpbA"):
        assert bad not in session.raw, (bad, session.text)
    # The failure tail under the row (read from the log, where \r ends a line).
    assert any("ABCDEF" in line for line in session.screen)
    assert any("GH5mI J" in line for line in session.screen)
