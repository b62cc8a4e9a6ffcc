"""README cannot drift: its command examples are run and compared with what the tool prints,
and its synopsis names every option of every command.

An example is a ```` ```text ```` block whose first line is ``$ workstream …``. Each ``$`` line
runs (in a scratch git repository holding a copy of ``samples/`` for ``run``, ``status`` and
``clean``; in the checkout for the read-only commands) and the lines after it, up to the next
``$``, are what it must print. Before comparing, both sides are normalised: durations, commit
hashes, run ids and temporary paths become placeholders, runs of spaces and of table rules
become one, trailing blanks go. A line ``… anything …`` (starting and ending with ``…``)
stands for any number of lines (live progress, for example).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workstream.cli import _parser

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
REPO_COMMANDS = {"run", "status", "clean"}

_NORMALISE = [
    (re.compile(r"\b\d{8}-\d{6}(?:-[0-9a-f]+)?\b"), "<run-id>"),  # run ids
    (re.compile(r"\b[0-9a-f]{7,40}\b"), "<sha>"),
    (re.compile(r"\b\d+% saved|\bnothing saved"), "<saving>"),
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s)\b"), "<time>"),
    (re.compile(r"\b\d+m\d{2}s\b"), "<time>"),
    (re.compile(r"/tmp/[^\s)]+"), "<tmp>"),
    (re.compile(r"([━─═])\1+"), r"\1"),
    (re.compile(r"[ \t]+"), " "),
]


def normalise(line: str) -> str:
    for pattern, replacement in _NORMALISE:
        line = pattern.sub(replacement, line)
    return line.strip()


def examples() -> list[tuple[int, list[tuple[str, list[str]]]]]:
    """Each example block: its line in README, and its (command, expected lines) pairs."""
    blocks: list[tuple[int, list[tuple[str, list[str]]]]] = []
    lines = README.read_text("utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```text" and lines[i + 1].startswith("$ workstream "):
            start = i + 1
            i += 1
            pairs: list[tuple[str, list[str]]] = []
            while lines[i].strip() != "```":
                if lines[i].startswith("$ "):
                    pairs.append((lines[i][2:], []))
                else:
                    pairs[-1][1].append(lines[i])
                i += 1
            blocks.append((start + 1, pairs))
        i += 1
    return blocks


def matches(expected: list[str], actual: list[str]) -> bool:
    """Expected lines (with ``…`` wildcards) against actual ones, both normalised."""
    exp = [normalise(x) for x in expected if x.strip()]
    act = [normalise(x) for x in actual if x.strip()]

    def at(e: int, a: int) -> bool:
        if e == len(exp):
            return a == len(act)
        if exp[e].startswith("…") and exp[e].endswith("…"):
            return any(at(e + 1, k) for k in range(a, len(act) + 1))
        return a < len(act) and exp[e] == act[a] and at(e + 1, a + 1)

    return at(0, 0)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository like a user's: samples/ committed, nothing else."""
    root = tmp_path_factory.mktemp("readme") / "repo"
    shutil.copytree(ROOT / "samples", root / "samples")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=R", "-c", "user.email=r@x", "commit", "-qm", "samples"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


BLOCKS = examples()


def test_readme_has_examples_of_each_command() -> None:
    commands = {cmd.split()[1] for _, pairs in BLOCKS for cmd, _ in pairs}
    assert {"check", "run", "status", "graph"} <= commands, commands


@pytest.mark.parametrize("line,pairs", BLOCKS, ids=[f"README:{n}" for n, _ in BLOCKS])
def test_readme_example_prints_what_it_shows(
    line: int, pairs: list[tuple[str, list[str]]], scratch: Path
) -> None:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    for command, expected in pairs:
        argv = command.split()
        cwd = scratch if argv[1] in REPO_COMMANDS else ROOT
        done = subprocess.run(
            [sys.executable, "-m", "workstream", *argv[1:]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        actual = (done.stdout + done.stderr).splitlines()
        assert matches(expected, actual), (
            f"README line {line}: `{command}` prints something else; it printed:\n"
            + "\n".join(actual)
        )


def test_synopsis_lists_every_option() -> None:
    text = README.read_text("utf-8")
    synopsis = text[text.index("## The command line") :]
    synopsis = synopsis[synopsis.index("```text") + 7 :]
    synopsis = synopsis[: synopsis.index("```")]
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    lines = synopsis.splitlines()
    missing = []
    for name, parser in sub.choices.items():
        first = next(
            (i for i, ln in enumerate(lines) if ln.startswith(f"workstream {name} ")), None
        )
        assert first is not None, f"the synopsis has no line for `workstream {name}`"
        rest = lines[first + 1 :]
        end = next((i for i, ln in enumerate(rest) if ln.startswith("workstream ")), len(rest))
        words = " ".join([lines[first], *rest[:end]])
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help" and option not in words:
                    missing.append(f"{name} {option}")
    assert not missing, f"README's synopsis lacks: {', '.join(missing)}"
