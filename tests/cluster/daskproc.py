"""A real multi-process Dask cluster on 127.0.0.1 for the cluster tests, no mocks.

One ``dask scheduler`` process (``allowed-failures`` 0: a task whose worker dies is a
``KilledWorker``, never a silent rerun) and ``dask worker`` processes, each under bubblewrap
with the folder that holds the users' repositories replaced by an empty tmpfs (so a worker
cannot see them and must go through the git remote), each with its own working directory,
``HOME`` and ``WORKSTREAM_WORKER_DIR``. Every process runs in a session of its own under
``bwrap --die-with-parent``, so nothing outlives the test process even when it is killed;
:meth:`DaskCluster.stop` stops them all (TERM, then KILL) and waits for them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DASK = str(Path(sys.executable).parent / "dask")

#: Seconds to wait for the scheduler, or for a worker to (re)join.
START_SECONDS = 60.0


@dataclass
class WorkerProc:
    """One ``dask worker`` (with its nanny) under bubblewrap."""

    name: str
    root: Path  # its own folder: home/, work/ (cwd and Dask's local directory), work/ws/
    resources: str | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def worker_dir(self) -> Path:
        """``WORKSTREAM_WORKER_DIR``: its cache clones and the runs' worktrees."""
        return self.work / "ws"


@dataclass
class DaskCluster:
    """A scheduler and workers as real processes; ``hidden`` is what the workers cannot see."""

    root: Path
    hidden: Path
    workers: dict[str, WorkerProc] = field(default_factory=dict)
    address: str = ""
    _scheduler: subprocess.Popen[bytes] | None = None
    _client: Any = None
    _preload: list[str] = field(default_factory=list)

    def start(self, workers: dict[str, str | None], preload: Path | None = None) -> None:
        """The scheduler, then each worker ``name -> resources`` (``"gpu=1"`` or None),
        each loading ``preload`` (a Python file) first when given."""
        self._preload = ["--preload", str(preload)] if preload else []
        info = self.root / "scheduler.json"
        env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
        self._scheduler = self._spawn(
            [
                "bwrap", "--dev-bind", "/", "/", "--die-with-parent",
                DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                "--scheduler-file", str(info),
            ],
            env,
            self.root,
            self.root / "scheduler.log",
        )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        while not info.is_file() or not info.read_text().strip().endswith("}"):
            if self._scheduler.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dask scheduler did not start:\n" + self.log("scheduler"))
            time.sleep(0.1)
        self.address = str(json.loads(info.read_text())["address"])
        for name, resources in workers.items():
            self.start_worker(name, resources)
        self.wait_ready()

    def start_worker(self, name: str, resources: str | None = None) -> WorkerProc:
        """A ``dask worker`` named ``name``, 2 threads, under bubblewrap (the hidden folder
        an empty tmpfs), ``HOME`` and ``WORKSTREAM_WORKER_DIR`` its own."""
        worker = self.workers.get(name) or WorkerProc(name, self.root / "workers" / name, resources)
        self.workers[name] = worker
        for folder in (worker.home, worker.worker_dir):
            folder.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "HOME": str(worker.home),
            "WORKSTREAM_WORKER_DIR": str(worker.worker_dir),
        }
        env.pop("XDG_CACHE_HOME", None)
        extra = ["--resources", resources] if resources else []
        worker.proc = self._spawn(
            [
                "bwrap", "--dev-bind", "/", "/", "--tmpfs", str(self.hidden),
                "--die-with-parent",
                DASK, "worker", self.address, "--name", name, "--nthreads", "2",
                "--nworkers", "1", "--host", "127.0.0.1", "--no-dashboard",
                "--dashboard-address", "127.0.0.1:0", "--local-directory", str(worker.work),
                *extra,
                *self._preload,
            ],
            env,
            worker.work,
            self.root / f"{name}.log",
        )  # fmt: skip
        return worker

    def _spawn(
        self, argv: list[str], env: dict[str, str], cwd: Path, log: Path
    ) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            return subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.is_file() else ""

    @property
    def client(self) -> Any:
        """A client of our own (placement, pids); not the runs' client."""
        if self._client is None:
            import distributed

            dist: Any = distributed  # untyped
            self._client = dist.Client(self.address, timeout=START_SECONDS)
        return self._client

    def names(self) -> dict[str, str]:
        """The live workers: address -> name."""
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return {address: str(w["name"]) for address, w in info.items()}

    def wait_ready(self, timeout: float = START_SECONDS) -> None:
        """Until every worker of ours has joined (a restarted one too), else raise."""
        deadline = time.monotonic() + timeout
        wanted = set(self.workers)
        while set(self.names().values()) != wanted:
            if time.monotonic() > deadline:
                logs = "\n".join(self.log(name) for name in wanted)
                raise RuntimeError(f"workers {sorted(wanted)} did not all join:\n{logs}")
            time.sleep(0.1)

    def worker_pid(self, name: str) -> int:
        """The pid of the process that runs ``name``'s tasks (the nanny's child)."""
        pids: dict[str, int] = self.client.run(os.getpid)
        for address, worker in self.names().items():
            if worker == name:
                return pids[address]
        raise LookupError(f"no worker {name} in the cluster")

    def stop(self) -> None:
        """Every process we started: TERM to its session, then KILL; waited for."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
        procs = [w.proc for w in self.workers.values() if w.proc is not None]
        procs += [self._scheduler] if self._scheduler is not None else []
        for sig, patience in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            for proc in procs:
                # a session's leader is reaped only below: until then its pid (and so its
                # group's id) cannot name any other process
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
            deadline = time.monotonic() + patience
            while time.monotonic() < deadline and not all(map(_group_gone, procs)):
                time.sleep(0.05)
        for proc in procs:
            proc.wait(5)


def _group_gone(proc: subprocess.Popen[bytes]) -> bool:
    """True when the session ``proc`` leads has no live process left (``proc`` itself
    stays a zombie, not reaped, so its pid is not reused meanwhile)."""
    if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        return False
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(proc.pid):
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z" and int(fields[2]) == proc.pid:  # its group
                return False
    return True
