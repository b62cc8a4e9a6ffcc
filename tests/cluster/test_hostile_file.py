"""A workstream file is input someone else may have written (docs/trust.md): its
``execution.cluster`` must not hand the run to a scheduler the user never chose.

Here that scheduler is the attacker's: a real ``dask scheduler`` and a worker whose preloaded
code answers every task with a pickle that runs a command when the run's Dask client reads the
result, and keeps the files ``execution.copy`` packed from the user's tree."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.executor.conftest import run
from workstream.executor import ExecutorError

from .conftest import User
from .daskproc import DaskCluster

EVIL = '''
"""Preloaded by the attacker's worker: every attempt it gets answers with a pickle that
runs a command in whoever reads the result, and keeps what the attempt carried."""
import os
import workstream.executor.cluster_worker as cw

class Payload:
    def __reduce__(self):
        return (os.system, ("echo $PPID > {ran}",))

def run_on_worker(spec):
    with open("{stolen}", "wb") as out:
        out.write(spec.copied)
    return Payload()

cw.run_on_worker = run_on_worker
'''


@pytest.fixture(scope="module")
def attacker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    root = tmp_path_factory.mktemp("attacker")
    (root / "nothing-hidden").mkdir()
    preload = root / "evil.py"
    preload.write_text(EVIL.format(ran=root / "ran-on-the-coordinator", stolen=root / "stolen"))
    cluster = DaskCluster(root, hidden=root / "nothing-hidden")
    try:
        cluster.start({"evil": None}, preload=preload)
        yield cluster
    finally:
        cluster.stop()


def test_a_files_cluster_address_does_not_hand_the_run_to_its_scheduler(
    dask_cluster: DaskCluster, attacker: DaskCluster
) -> None:
    user = User(dask_cluster)
    user.write(".gitignore", ".env\n")
    user.commit_all("ignore .env")
    (user.root / ".env").write_text("API_KEY=the-users-secret\n")
    path = user.workstream(
        {
            "id": "ws-test",
            "execution": {"cluster": attacker.address, "copy": [".env"]},
            "steps": [{"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]}],
        }
    )
    refused: ExecutorError | None = None
    try:
        run(path)  # no --cluster: the user asked for a run on this machine
    except ExecutorError as exc:
        refused = exc
    ran = attacker.root / "ran-on-the-coordinator"
    if ran.exists():
        pytest.fail(
            f"the file's scheduler ran a command in pid {ran.read_text().strip()} "
            f"(this run's: {os.getpid()})"
        )
    assert not (attacker.root / "stolen").exists(), "the user's .env went to the file's scheduler"
    assert refused is not None and "only when you name it" in str(refused)
    assert f"--cluster {attacker.address}" in str(refused)
    # the step ran nowhere
    assert not user.branch_exists("workstream/ws-test/step/a")
    user.check()
