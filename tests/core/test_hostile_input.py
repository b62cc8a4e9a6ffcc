"""Hostile documents: numbers of any size, deep nesting, odd encodings. Findings, never crashes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workstream.analysis import analyze

BIG = "9" * 5000
DOCUMENTS = {
    "huge integer as a timeout": '{"id":"x","steps":[{"id":"a","timeout":' + BIG + "}]}",
    "huge integer at the top": '{"id":"x","n":' + BIG + ',"steps":[]}',
    "huge integer, broken document": '{"id":"x","steps":[{"id":"a","timeout":' + BIG,
    "float past the largest": '{"id":"x","execution":{"rate_limit_delay":1e999},"steps":[]}',
    "negative zero and tiny": '{"id":"x","execution":{"timeout_per_step":-0.0,"retries":1e-400}}',
    "deep arrays": '{"id":"x","steps":' + "[" * 100_000,
    "deep objects": '{"id":"x","steps":[' + '{"a":' * 50_000,
    "lone surrogate": '{"id":"\\ud800","steps":[{"id":"\\udfff","run":"true"}]}',
    "NUL in strings": '{"id":"x","steps":[{"id":"a","run":"a\\u0000b","env":{"A\\u0000":"b"}}]}',
}


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_analysis_reports_findings_and_never_raises(text: str) -> None:
    analysis = analyze(text)
    assert analysis.findings or analysis.model is not None


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + b'{"id":"x","steps":[]}',  # a byte order mark
        '{"id":"x","steps":[]}'.encode("utf-16"),
        b'{"id":"\xff\xfe","steps":[]}',  # not UTF-8
        ('{"id":"x","steps":' + "[" * 100_000).encode(),
    ],
    ids=["bom", "utf-16", "not-utf8", "deep"],
)
def test_check_on_odd_files_prints_a_message_not_a_traceback(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "odd.workstream.json"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-m", "workstream", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode in (0, 1, 2)
