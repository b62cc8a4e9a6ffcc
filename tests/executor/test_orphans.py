"""run_command's leftovers outside its group: each command stops its own, never another's."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from tests.hostile.conftest import processes_with
from workstream.executor.orphans import TOKEN_VAR, become_subreaper
from workstream.executor.process import run_command


def _daemon(marker: str) -> str:
    return f"setsid sh -c 'trap \"\" TERM HUP; sleep {marker}' </dev/null >/dev/null 2>&1 &"


def _run(script: str, tmp_path: Path, lines: list[str]) -> None:
    run_command(
        ["sh", "-c", script],
        cwd=tmp_path,
        env=dict(os.environ),
        deadline=time.monotonic() + 20,
        cancel=threading.Event(),
        on_line=lines.append,
        grace=0.3,
    )


def test_the_runner_is_a_subreaper() -> None:
    assert become_subreaper()


def test_each_command_carries_its_own_token(tmp_path: Path) -> None:
    first: list[str] = []
    second: list[str] = []
    _run(f'echo "${TOKEN_VAR}"', tmp_path, first)
    _run(f'echo "${TOKEN_VAR}"', tmp_path, second)
    assert len(first[0]) == 32 and first != second


def test_one_commands_end_leaves_the_other_commands_daemon_alive(tmp_path: Path) -> None:
    long, short = "778.611", "778.612"
    seen: dict[str, bool] = {}

    def longer() -> None:
        # runs while the short one ends: its daemon must still be there then
        _run(_daemon(long) + " sleep 1.5", tmp_path, [])

    thread = threading.Thread(target=longer)
    thread.start()
    time.sleep(0.3)
    _run(_daemon(short) + " sleep 0.2", tmp_path, [])
    seen["short gone"] = processes_with(f"sleep {short}") == []
    seen["long alive"] = processes_with(f"sleep {long}") != []
    thread.join()
    seen["long gone"] = processes_with(f"sleep {long}") == []
    assert seen == {"short gone": True, "long alive": True, "long gone": True}


def test_a_daemon_that_forks_again_while_stopped_is_gone(tmp_path: Path) -> None:
    marker = "778.613"
    nested = (
        "setsid sh -c 'trap \"sleep " + marker + ' & " TERM; trap "" HUP; '
        "sleep " + marker + "; sleep " + marker + "' </dev/null >/dev/null 2>&1 &"
    )
    _run(nested + " sleep 0.2", tmp_path, [])
    assert processes_with(f"sleep {marker}") == []


def test_a_daemon_deaf_to_term_is_killed_after_a_long_grace(tmp_path: Path) -> None:
    """The default grace is 5 s: TERM rounds alone must not use up the tries before SIGKILL."""
    marker = "778.614"
    started = time.monotonic()
    run_command(
        ["sh", "-c", _daemon(marker) + " exit 0"],
        cwd=tmp_path,
        env=dict(os.environ),
        deadline=time.monotonic() + 20,
        cancel=threading.Event(),
        on_line=[].append,
        grace=2.5,  # a command that exits gets min(grace, 1.0); a cancelled one all of it
    )
    cancel = threading.Event()
    cancel.set()
    run_command(
        ["sh", "-c", _daemon(marker + "1") + " sleep 30"],
        cwd=tmp_path,
        env=dict(os.environ),
        deadline=time.monotonic() + 20,
        cancel=cancel,
        on_line=[].append,
        grace=2.5,
    )
    assert processes_with(f"sleep {marker}") == [], "a daemon outlived its command"
    assert time.monotonic() - started < 15
