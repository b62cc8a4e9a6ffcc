"""The sandbox: every step command runs under bubblewrap, confined to its worktree.

What a sandboxed command sees:

- the whole file system read-only (``--ro-bind / /``), with a fresh ``/dev`` and ``/proc``;
- a private ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (empty, gone with the command);
- read-write: its worktree, and the paths of :attr:`SandboxSpec.writable` (the worktree's git
  admin directory and a private object directory, so its own git works, plus any
  ``execution.writable`` / step ``writable`` directories the workstream names);
- its own PID namespace (``--unshare-pid``): when the command ends or is killed, every process
  it started dies with it, ``setsid`` daemons included; ``--die-with-parent`` kills it when the
  runner dies, even by SIGKILL;
- its own IPC and UTS namespaces; the network unless ``execution.network`` is false.

bubblewrap's ``--die-with-parent`` uses ``PR_SET_PDEATHSIG``, which fires when the *thread*
that started bwrap exits: the executor starts each command from the worker thread that waits
for it, so that thread outlives the command.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SandboxSpec:
    """What one step's commands may reach."""

    worktree: Path
    writable: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()  # shown read-only even under the private /tmp
    network: bool = True
    log_dir: Path | None = None


@functools.cache
def find_bwrap() -> str | None:
    """The path of a bubblewrap that works here (probed once), or None."""
    path = os.environ.get("WORKSTREAM_BWRAP") or shutil.which("bwrap")
    if not path:
        return None
    try:
        probe = subprocess.run(
            [
                path,
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--unshare-pid",
                "--die-with-parent",
                "true",
            ],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return path if probe.returncode == 0 else None


def sandbox_argv(bwrap: str, spec: SandboxSpec, argv: Sequence[str]) -> list[str]:
    """The argv that runs ``argv`` inside the sandbox described by ``spec``."""
    out = [
        bwrap,
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        "--tmpfs",
        "/var/tmp",
        "--tmpfs",
        "/dev/shm",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
    ]
    if not spec.network:
        out.append("--unshare-net")
    for path in spec.readable:
        if path.is_dir():
            out += ["--ro-bind", str(path), str(path)]
    for path in (spec.worktree, *spec.writable, *([spec.log_dir] if spec.log_dir else [])):
        if path.is_dir():
            out += ["--bind", str(path), str(path)]
    out += ["--chdir", str(spec.worktree), "--", *argv]
    return out
