"""Resource-aware starts: hold a step back while the machine is short of memory or busy.

- ``execution.memory_per_step`` (``"1.5GB"``, ``"512MiB"``, or a number of bytes): no step
  starts while the machine's available memory (``MemAvailable`` in ``/proc/meminfo``) is below
  it;
- ``execution.adaptive_scaling: true``: no step starts while the 1-minute load average
  exceeds the number of CPUs.

A step is held only while another step of the run is running: when none is, waiting could
last forever (what is short is not ours to free), so the step starts and the run says so.

Pure but for reading ``/proc/meminfo`` and ``os.getloadavg()``.
"""

from __future__ import annotations

import os
from pathlib import Path

from workstream.sizes import shown_size


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The machine's available memory in bytes, or None where it cannot be read."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def why_hold(memory_per_step: int | None, adaptive: bool) -> str | None:
    """Why a step should wait now, or None when it may start."""
    if memory_per_step is not None:
        free = available_memory()
        if free is not None and free < memory_per_step:
            return (
                f"{shown_size(free)} of memory available, below memory_per_step "
                f"({shown_size(memory_per_step)})"
            )
    if adaptive:
        try:
            load = os.getloadavg()[0]
        except OSError:
            return None
        cpus = os.cpu_count() or 1
        if load > cpus:
            return f"load average {load:.1f} above {cpus} CPUs (adaptive_scaling)"
    return None
