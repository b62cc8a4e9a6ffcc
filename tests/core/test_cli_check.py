"""``workstream check`` as a user runs it: a real process, its output, its exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

KEYS = ["path", "line", "column", "end_line", "end_column", "severity", "code", "message"]


def check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "workstream", "check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_clean_sample_exits_zero_with_a_summary() -> None:
    result = check(str(SAMPLES / "diamond.workstream.json"))
    assert result.returncode == 0
    assert result.stdout.strip() == "Checked 1 file: 0 errors, 0 warnings."


def test_text_output_format(tmp_path: Path) -> None:
    (tmp_path / "w.workstream.json").write_text(
        '{"id": "w", // 🎉\n "steps": [{"id": "b", "run": "x", "files": [], '
        '"depends_on": ["stpe-a"]}, {"id": "step-a", "run": "x", "files": []}]}',
        "utf-8",
    )
    result = check(cwd=tmp_path)
    assert result.returncode == 1
    first, summary = result.stdout.splitlines()
    column = 1 + ' "steps": [{"id": "b", "run": "x", "files": [], "depends_on": ['.__len__()
    assert first == (
        f"w.workstream.json:2:{column}: error: Step 'b' depends on 'stpe-a', which is not "
        "defined. Did you mean 'step-a'? [WS102]"
    )
    assert summary == "Checked 1 file: 1 error, 0 warnings."


def test_json_output_has_exactly_the_documented_keys() -> None:
    result = check("--format", "json", str(SAMPLES / "mistakes"))
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    assert rows and all(list(row) == KEYS for row in rows)
    assert {row["severity"] for row in rows} == {"error", "warning", "information", "hint"}
    codes = {row["code"] for row in rows}
    assert {"WS001", "WS002", "WS101", "WS104", "WS201", "WS303"} <= codes


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    path = tmp_path / "e.workstream.json"
    path.write_text('{"id": "é🎉", "steps": [{"id": "a b", "run": "x", "files": []}]}', "utf-8")
    [row] = [
        r
        for r in json.loads(check("--format", "json", str(path)).stdout)
        if r["code"] == "WS301" and "Step" in r["message"]
    ]
    text = path.read_text("utf-8")
    assert row["column"] == text.index('"a b"') + 1
    assert row["end_column"] == row["column"] + len('"a b"')


def test_discovery_skips_vendored_and_virtualenv_folders(tmp_path: Path) -> None:
    good = '{"id": "x", "steps": [{"id": "a", "run": "true", "files": []}]}'
    bad = '{"id": "x", "steps": []}'
    (tmp_path / "workstreams").mkdir()
    (tmp_path / "workstreams" / "one.json").write_text(good)
    (tmp_path / "workstream.json").write_text(good)
    (tmp_path / "a.workstream.json").write_text(good)
    (tmp_path / "other.json").write_text(bad)
    for skipped in ["node_modules", ".git", "venv-x"]:
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "b.workstream.json").write_text(bad)
    (tmp_path / "venv-x" / "pyvenv.cfg").write_text("")
    result = check(cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "Checked 3 files" in result.stdout


def test_usage_errors_exit_two_in_one_line(tmp_path: Path) -> None:
    missing = check(str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "no such file" in missing.stderr
    nothing = check(cwd=tmp_path)
    assert nothing.returncode == 2 and "no workstream files" in nothing.stderr
    flag = check("--format", "xml")
    assert flag.returncode == 2


def test_check_does_not_import_the_language_server_stack() -> None:
    code = (
        "import sys\nfrom workstream.cli import main\n"
        f"main(['check', {str(SAMPLES / 'diamond.workstream.json')!r}])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'git', "
        "'networkx', 'rich')]\nprint(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().endswith("[]"), result.stdout


BAD_INPUTS = {
    "empty": b"",
    "whitespace": b"  \n\t ",
    "top-level-array": b'[{"id": "a"}]',
    "top-level-number": b"42",
    "deep-nesting": b"[" * 10_000 + b"]" * 10_000,
    "deep-nesting-open": b'{"a":' * 10_000,
    "invalid-utf8": b'{"id": "\xff\xfe"}',
    "bom": b'\xef\xbb\xbf{"id": "w", "steps": [{"id": "a", "run": "x", "files": []}]}',
    "binary": bytes(range(256)) * 4,
    "number-id": b'{"id": 7, "steps": [{"id": 1, "run": "x"}]}',
    "nul-bytes": b'{"id": "w\x00", "steps": []}',
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_diagnostics_never_a_traceback(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.workstream.json"
    path.write_bytes(BAD_INPUTS[name])
    result = check("--format", "json", str(path))
    assert "Traceback" not in result.stderr
    rows = json.loads(result.stdout)
    if name == "bom":
        assert result.returncode == 0 and rows == []
    else:
        assert result.returncode == 1 and rows, rows
        assert all(row["line"] >= 1 and row["column"] >= 1 for row in rows)


def test_a_ten_megabyte_file_is_checked(tmp_path: Path) -> None:
    steps = [
        {
            "id": f"s{i}",
            "run": "x" * 90,
            "files": [f"src/m{i}.py"],
            "depends_on": [f"s{i - 1}"] if i else [],
        }
        for i in range(60_000)
    ]
    path = tmp_path / "big.workstream.json"
    path.write_text(json.dumps({"id": "big", "steps": steps}))
    assert path.stat().st_size > 10_000_000
    result = check(str(path))
    assert result.returncode == 0, result.stdout[-500:]


def test_unreadable_file_exits_two(tmp_path: Path) -> None:
    path = tmp_path / "x.workstream.json"
    path.write_text("{}")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: permissions are not enforced")
    assert check(str(path)).returncode == 2


def test_the_core_imports_nothing_from_the_language_server_stack() -> None:
    code = (
        "import sys\n"
        "import workstream.analysis.incremental, workstream.executor, workstream.render\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
