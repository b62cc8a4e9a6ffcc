"""samples/cluster/: the seed's example on a ``local:2`` cluster (issue 13's "done when"), run
from a repository holding ``samples/`` as a fresh clone of this one would: each step on a
worker (``local-1`` or ``local-2``), the stand-in aider (no model, no key), the result branch
in the user's repository, nothing left on the remote or in the worker folder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .conftest import Repo, git, run

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE = "samples/cluster/seed-example.workstream.json"


def test_the_cluster_sample_runs_each_step_on_a_worker(repo: Repo, tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "cluster", repo.root / "samples" / "cluster")
    repo.commit_all("samples/cluster")
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
