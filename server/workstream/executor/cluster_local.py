"""``--cluster local:N``: a Dask scheduler in this process and N worker processes of our own.

Dask's ``LocalCluster`` starts its workers in the runner's process group, so a Ctrl-C in the
terminal reaches them too and kills them mid-step (with Dask's tracebacks) before the runner
can cancel its steps. Here the scheduler is a ``LocalCluster`` without workers, and each
worker is a ``dask worker`` process in a session of its own: a Ctrl-C reaches only the
runner, which cancels the steps through the workers, then stops the workers itself. Should
the runner die, they follow: SIGTERM through ``PR_SET_PDEATHSIG``, and the worker's own
``--death-timeout`` once the scheduler is gone. Workers run without a nanny (it doubles the
start-up, about 1.7 s against 3.4 s here): a worker that dies is not replaced, its attempt
fails (retried on another worker when the step has retries) and the others carry on.

Each worker is named ``local-<n>`` (what its steps see in ``WORKSTREAM_WORKER``) and offers
every Dask resource the workstream names, as much as its most demanding step needs: a local
cluster is this machine, so a resource never keeps a step from running, but a tool's cap
(``{"aider": 1}``) still holds per worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from workstream.executor.errors import ExecutorError

#: Seconds for the workers to join the scheduler.
START_SECONDS = 60.0
#: Seconds a worker lives on without its scheduler.
DEATH_TIMEOUT = 20
_PR_SET_PDEATHSIG = 1
_PRCTL: Any = getattr(ctypes.CDLL(None), "prctl", None)  # looked up before any fork


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


class LocalWorkers:
    """A scheduler here and ``size`` worker processes, each in its own session."""

    def __init__(self, size: int, threads: int, resources: Mapping[str, float]) -> None:
        import dask
        import distributed

        dist: Any = distributed
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            self.cluster: Any = dist.LocalCluster(
                n_workers=0,
                processes=True,
                dashboard_address="127.0.0.1:0",  # a free port: no warning about 8787
                scheduler_port=0,
                host="127.0.0.1",
                silence_logs=logging.CRITICAL,
            )
        self.address: str = self.cluster.scheduler_address
        offered = ",".join(f"{name}={amount:g}" for name, amount in sorted(resources.items()))
        self._procs: list[subprocess.Popen[bytes]] = []
        try:
            for n in range(1, size + 1):
                argv = [
                    sys.executable,
                    "-m",
                    "distributed.cli.dask_worker",
                    self.address,
                    "--name",
                    f"local-{n}",
                    "--nthreads",
                    str(threads),
                    "--no-dashboard",
                    "--no-nanny",  # half the start-up; a dead worker is a failed attempt
                    "--death-timeout",
                    str(DEATH_TIMEOUT),
                    *(["--resources", offered] if offered else []),
                ]
                env = {**os.environ, "DASK_LOGGING__DISTRIBUTED": "error"}
                self._procs.append(
                    subprocess.Popen(
                        argv,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        env=env,
                        start_new_session=True,
                        preexec_fn=_die_with_parent,
                    )
                )
        except OSError as exc:
            self.close()
            raise ExecutorError(f"could not start the local Dask workers: {exc}") from None

    def wait(self, client: Any, size: int) -> None:
        """Until ``size`` workers joined; raise :class:`ExecutorError` when they do not."""
        try:
            client.wait_for_workers(size, timeout=START_SECONDS)
        except (TimeoutError, OSError) as exc:
            dead = [p.returncode for p in self._procs if p.poll() is not None]
            why = f"; {len(dead)} exited (codes {dead})" if dead else ""
            raise ExecutorError(
                f"the {size} local Dask workers did not start in {START_SECONDS:g}s{why}: {exc}"
            ) from None

    def close(self) -> None:
        """Stop the workers (their whole sessions), then the scheduler."""
        for proc in self._procs:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self._procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._procs.clear()
        with contextlib.suppress(Exception):
            self.cluster.close()
