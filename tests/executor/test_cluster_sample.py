"""samples/cluster/: the seed's example on a ``local:2`` cluster (issue 13's "done when"), run
from a repository holding ``samples/`` as a fresh clone of this one would: each step on a
worker (``local-1`` or ``local-2``), the stand-in aider (no model, no key), the result branch
in the user's repository, nothing left on the remote or in the worker folder. The stand-in has
one source, the package's ``data/standin_aider.py``: the sample runs it from the clone and
``workstream demo`` writes it on PATH."""

from __future__ import annotations

import fnmatch
import re
import shutil
import tomllib
from importlib import resources
from pathlib import Path

from workstream.commands.demo import STANDIN_AIDER, write_standin_aider
from workstream.jsonc import parse

from .conftest import Repo, git, run

CHECKOUT = Path(__file__).resolve().parents[2]
SAMPLES = CHECKOUT / "samples"
SAMPLE = "samples/cluster/seed-example.workstream.json"
#: Where a clone of this repository holds the stand-in the sample runs.
STANDIN = "server/workstream/data/standin_aider.py"


def test_the_cluster_sample_runs_each_step_on_a_worker(repo: Repo, tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "cluster", repo.root / "samples" / "cluster")
    (repo.root / STANDIN).parent.mkdir(parents=True)
    shutil.copy(CHECKOUT / STANDIN, repo.root / STANDIN)  # as a clone holds it
    repo.commit_all("samples/cluster and the stand-in")
    worker_dir = tmp_path / "worker"
    result, _ = run(repo.root / SAMPLE, env={"WORKSTREAM_WORKER_DIR": str(worker_dir)})
    assert result.status == "succeeded", {k: v.message for k, v in result.state.steps.items()}
    assert result.state.cluster == "local:2"
    files = repo.files(result.result_branch or "")
    modules = {f"examples/{m}_utils.py" for m in ("math", "string", "file")}
    assert modules | {"examples/__init__.py"} <= files
    assert not any(Path(name).name.startswith(".aider") for name in files)  # its bookkeeping
    assert "def capitalize_words" in repo.show(
        result.result_branch or "", "examples/string_utils.py"
    )
    for step_id, entry in result.state.steps.items():
        log = Path(entry.log or "").read_text()
        assert re.search(r"^on worker local-[12] \(tcp://127\.0\.0\.1:\d+\)$", log, re.M), step_id
        if step_id != "step-04-package":
            assert "stand-in aider: wrote examples/" in log
            assert "#### Create examples/" in Path(entry.transcript or "").read_text()
    assert git(repo.root, "for-each-ref", "refs/workstream") == ""  # no ref of the run here
    assert not list((worker_dir / "runs").glob("*/*"))  # no run's folder left on a worker


def test_the_stand_in_aider_has_one_source(tmp_path: Path) -> None:
    """The sample runs, and the demo writes, the file the package ships; no copy elsewhere."""
    shipped = resources.files("workstream").joinpath(STANDIN_AIDER).read_text("utf-8")
    assert (CHECKOUT / STANDIN).read_text("utf-8") == shipped
    written = write_standin_aider(tmp_path / "bin").read_text("utf-8")
    assert written.split("\n", 1)[1] == shipped  # after its #! line
    sample = parse((SAMPLES / "cluster" / "seed-example.workstream.json").read_text()).value
    assert sample["tools"]["aider"]["command"][:2] == ["python3", STANDIN]
    globs = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert any(fnmatch.fnmatch(STANDIN_AIDER, g) for g in globs["package-data"]["workstream"])
    marker = "stand-in aider: unexpected command line"
    copies = [
        str(path.relative_to(CHECKOUT))
        for folder in ("samples", "server", "bench")
        for path in (CHECKOUT / folder).rglob("*.py")
        if marker in path.read_text("utf-8", errors="replace")
    ]
    assert copies == [STANDIN]
