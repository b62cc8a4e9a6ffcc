"""What passes between the coordinator and a worker besides git and the task itself.

- :class:`AttemptLines`: one attempt's streamed output on the coordinator, written to the
  step's log and the run's events as batches arrive, counted so the result waits for the
  last of them;
- :func:`pack_copies`: ``execution.copy``'s files, read from the user's tree here and packed
  for the worker (which has no access to that tree);
- :func:`placement_refusal`: why no worker can take a step with these Dask resources.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import threading
from collections.abc import Callable, Mapping
from typing import Any

from workstream.executor.context import AttemptResult, RunContext
from workstream.executor.copying import copy_into
from workstream.executor.logs import CappedLog

#: The most ``execution.copy`` may send to a worker, packed.
MAX_COPY_BYTES = 64 * 2**20


class AttemptLines:
    """One attempt's streamed output: into its log and the run's events, counted."""

    def __init__(self, log: CappedLog, emit: Callable[[str, str], None], step_id: str) -> None:
        self._log, self._emit, self._step_id = log, emit, step_id
        self.worker: str | None = None
        self.count = 0
        self._changed = threading.Condition()

    def say(self, line: str) -> None:
        self._log.write(line + "\n")
        self._log.flush()
        self._emit(self._step_id, line)

    def take(self, message: Mapping[str, Any]) -> None:
        if message.get("kind") == "start":
            again = self.worker is not None
            self.worker = str(message.get("name"))
            note = " (its first worker is gone: Dask runs it again)" if again else ""
            self.say(f"on worker {self.worker} ({message.get('address', '?')}){note}")
            return
        lines = [str(line) for line in message.get("lines", ())]
        for line in lines:
            self.say(line)
        with self._changed:
            self.count += len(lines)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.count >= count, timeout)


def pack_copies(ctx: RunContext, key: str, sink: AttemptLines) -> bytes | AttemptResult:
    """``execution.copy``'s files from the user's tree, packed for the worker."""
    entries = ctx.model.execution.copy
    if not entries:
        return b""
    staging = ctx.scratch_root / f"{key}.copy"
    staging.mkdir(parents=True, exist_ok=True)
    try:
        copy_into(ctx.repo_root, ctx.git_dir, staging, entries, sink.say, cancel=ctx.cancel)
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w:gz") as archive:
            archive.add(staging, arcname=".")
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # ours: made above
    if packed.tell() > MAX_COPY_BYTES:
        message = (
            f"execution.copy packs to {packed.tell()} bytes, over the {MAX_COPY_BYTES} a "
            "cluster step may take to its worker"
        )
        sink.say(message)
        return AttemptResult("failed", message, "refused")
    return packed.getvalue()


def placement_refusal(workers: Mapping[str, Any], needs: Mapping[str, float]) -> str | None:
    """Why none of ``workers`` (the scheduler's view) can take a step needing ``needs``, or None."""
    if not needs:
        return None
    for info in workers.values():
        offers = info.get("resources") or {}
        if all(offers.get(k, 0) >= v for k, v in needs.items()):
            return None
    wanted = ",".join(f"{k}={v:g}" for k, v in needs.items())
    return (
        f"no worker of the cluster offers the resources this step needs ({wanted}); "
        f'start one with `dask worker SCHEDULER --resources "{wanted}"`'
    )
