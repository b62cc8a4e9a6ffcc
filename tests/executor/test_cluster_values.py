"""One rule for what names a cluster (``workstream.model_values.CLUSTER_PATTERN``), the same in
the schema, a file's ``execution.cluster``, ``run --cluster`` and the editor's setting: a bad
``local:N`` is refused with the same words everywhere, before any worker starts, and never
gives a traceback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from workstream.cli import main
from workstream.lsp.server import Settings
from workstream.model_values import CLUSTER_PATTERN, as_cluster, cluster_problem, local_size

from .conftest import Repo, ws

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT / "schemas" / "workstream.schema.json"
EXTENSION = ROOT / "extension" / "package.json"
BAD = ["local:0", "local:1000", "local:x", "local:01", "local:\u00b2", "local:\u0661", "local:"]
BAD += ["tcp:/h", "h:8786", "local:99999999999999999999999"]
GOOD = {"local:1": 1, "local:999": 999, "tcp://10.0.0.5:8786": None, "tls://h:1": None}


def test_the_schema_says_what_the_code_says() -> None:
    schema = json.loads(SCHEMA.read_text())
    cluster = schema["properties"]["execution"]["properties"]["cluster"]
    assert cluster["pattern"] == f"^({CLUSTER_PATTERN.pattern})$"
    # VS Code's setting (empty: none)
    settings = json.loads(EXTENSION.read_text())["contributes"]["configuration"]
    setting = next(c["properties"]["workstream.cluster"] for c in _listed(settings))
    assert setting["pattern"] == f"^(|{CLUSTER_PATTERN.pattern})$"


def _listed(settings: object) -> list[dict[str, dict[str, dict[str, str]]]]:
    items = settings if isinstance(settings, list) else [settings]
    return [c for c in items if "workstream.cluster" in c.get("properties", {})]


@pytest.mark.parametrize("value", BAD)
def test_a_bad_cluster_is_refused_everywhere_alike(
    value: str, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = cluster_problem(value)
    assert problem is not None and repr(value) in problem
    assert local_size(value) is None and as_cluster(value) is None
    # the editor's setting
    problems: list[str] = []
    assert Settings().with_cluster({"cluster": value}, problems).cluster is None
    assert problems == [f"'cluster': {problem}: ignored"]
    # run --cluster: refused at once, nothing started
    path = repo.workstream(ws({"id": "a", "run": "true"}))
    started = time.monotonic()
    code = main(["run", str(path), "--cluster", value, "--progress", "plain"])
    out = capsys.readouterr()
    assert code != 0
    assert time.monotonic() - started < 10
    assert "Traceback" not in out.err + out.out
    assert problem in out.err + out.out
    assert repo.snapshot() == repo.expected


@pytest.mark.parametrize("value", ["local:0", "local:\u00b2", "local:1000"])
def test_a_file_naming_a_bad_cluster_gets_a_finding_not_a_traceback(
    value: str, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.workstream(ws({"id": "a", "run": "true"}, cluster=value))
    code = main(["check", str(path)])
    out = capsys.readouterr()
    assert code != 0 and "Traceback" not in out.err + out.out
    assert "WS002" in out.out + out.err


@pytest.mark.parametrize("value", list(GOOD))
def test_good_clusters(value: str) -> None:
    assert cluster_problem(value) is None and as_cluster(value) == value
    assert local_size(value) == GOOD[value]
    assert Settings().with_cluster({"cluster": value}, []).cluster == value
