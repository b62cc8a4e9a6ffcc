"""The run's story in time: what parallelism saved, and what a plan will take.

- :func:`time_saved` compares a finished run's wall time with the sum of the times of the
  steps it ran (what one step at a time would have taken, about): "3m01s; one at a time
  about 8m38s: 65% saved".
- :func:`estimate` weighs a plan with the durations of earlier runs: the critical path by
  time rather than by steps, and the wall time of the plan, simulated with the scheduler's
  own rules (the longest remaining chain first, ``workers`` at once, ``parallel_group``
  barriers). Steps that never ran count as the median of those that did.

Pure: reads a :class:`~workstream.executor.state.RunState`, runs nothing.
"""

from __future__ import annotations

import heapq
import itertools
import statistics
from dataclasses import dataclass

from workstream.executor.plan import Plan
from workstream.executor.state import RunState


def _clock(ms: float) -> str:
    """``850ms``, ``2.4s``, ``3m05s``, ``1h02m``."""
    if ms < 1000:
        return f"{round(ms)}ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f}s"
    total = round(ms / 1000)
    if total < 3600:
        return f"{total // 60}m{total % 60:02d}s"
    return f"{total // 3600}h{total % 3600 // 60:02d}m"


def time_saved(state: RunState) -> str | None:
    """The wall time against one step at a time, when at least two steps ran."""
    if state.started_at is None or state.finished_at is None:
        return None
    ran = [
        e.duration_ms
        for e in state.steps.values()
        if e.run_id == state.run_id and e.duration_ms and e.started_at is not None
    ]
    if len(ran) < 2:
        return None
    wall = (state.finished_at - state.started_at) * 1000
    serial = float(sum(ran))
    if serial <= 0 or wall <= 0:
        return None
    saved = 1 - wall / serial
    verdict = f"{saved:.0%} saved" if saved > 0 else "nothing saved"
    return f"took {_clock(wall)}; one step at a time about {_clock(serial)}: {verdict}"


@dataclass(frozen=True, slots=True)
class Estimate:
    """A plan weighed with earlier durations."""

    critical_path: tuple[str, ...]
    critical_ms: float
    wall_ms: float  # with the plan's workers
    serial_ms: float  # one step at a time
    known: int  # steps with a measured duration
    run_ids: tuple[str, ...]  # the runs the durations come from

    def lines(self, workers: int, steps: int) -> list[str]:
        """What ``--dry-run`` prints about it."""
        runs = ", ".join(self.run_ids)
        measured = f"{self.known} of {steps} steps measured; " if self.known < steps else ""
        return [
            f"estimate ({measured}durations of run {runs}): about {_clock(self.wall_ms)} "
            f"with up to {workers} at once, about {_clock(self.serial_ms)} one at a time",
            f"critical path by time, about {_clock(self.critical_ms)}: "
            + " → ".join(self.critical_path),
        ]


def durations(state: RunState | None) -> tuple[dict[str, float], tuple[str, ...]]:
    """Each step's last measured duration (ms), and the runs they come from."""
    if state is None:
        return {}, ()
    out: dict[str, float] = {}
    runs: list[str] = []
    for step_id, entry in state.steps.items():
        if entry.duration_ms and entry.status in ("succeeded", "failed"):
            out[step_id] = float(entry.duration_ms)
            if entry.run_id and entry.run_id not in runs:
                runs.append(entry.run_id)
    return out, tuple(sorted(runs))


def estimate(plan: Plan, measured: dict[str, float], run_ids: tuple[str, ...]) -> Estimate | None:
    """The plan weighed with ``measured`` durations; None when none of its steps has one."""
    known = [measured[s] for s in plan.steps if s in measured]
    if not known:
        return None
    default = statistics.median(known)
    cost = {s: measured.get(s, default) for s in plan.steps}
    deps: dict[str, list[str]] = {s: [] for s in plan.steps}
    dependents: dict[str, list[str]] = {s: [] for s in plan.steps}
    for dep, step in plan.edges:
        deps[step].append(dep)
        dependents[dep].append(step)
    order = [s for wave in plan.waves for s in wave]
    # the critical path by time (barriers included: the waves already follow them)
    finish: dict[str, float] = {}
    before: dict[str, str | None] = {}
    group = dict(plan.groups)
    lower = _lower_groups(plan)
    for step in order:
        waits = list(deps[step]) + lower.get(step, [])
        prev = max(waits, key=lambda d: finish[d], default=None)
        finish[step] = cost[step] + (finish[prev] if prev is not None else 0.0)
        before[step] = prev
    end = max(order, key=finish.__getitem__)
    path: list[str] = []
    node: str | None = end
    while node is not None:
        path.append(node)
        node = before[node]
    wall = _simulate(plan, cost, deps, dependents, group)
    return Estimate(
        tuple(reversed(path)),
        finish[end],
        wall,
        sum(cost.values()),
        len(known),
        run_ids,
    )


def _lower_groups(plan: Plan) -> dict[str, list[str]]:
    """Per grouped step, the steps of the group just below its own (its barrier)."""
    by_group: dict[int, list[str]] = {}
    for step, number in plan.groups:
        by_group.setdefault(number, []).append(step)
    levels = sorted(by_group)
    return {
        step: by_group[low] for low, high in itertools.pairwise(levels) for step in by_group[high]
    }


def _simulate(
    plan: Plan,
    cost: dict[str, float],
    deps: dict[str, list[str]],
    dependents: dict[str, list[str]],
    group: dict[str, int],
) -> float:
    """The wall time of a list schedule of the plan, as the scheduler would run it."""
    height: dict[str, float] = {}
    for step in reversed([s for wave in plan.waves for s in wave]):
        height[step] = cost[step] + max((height[d] for d in dependents[step]), default=0.0)
    position = {s: i for i, s in enumerate(plan.steps)}
    waiting = set(plan.steps)
    done: set[str] = set()
    running: list[tuple[float, str]] = []  # (finish time, step)
    now = 0.0
    while waiting or running:
        pending = [group[s] for s in (*waiting, *(s for _, s in running)) if s in group]
        lowest = min(pending, default=None)
        ready = [
            s
            for s in waiting
            if all(d in done for d in deps[s])
            and (s not in group or lowest is None or group[s] <= lowest)
        ]
        ready.sort(key=lambda s: (-height[s], position[s]))
        while ready and len(running) < plan.workers:
            step = ready.pop(0)
            waiting.discard(step)
            heapq.heappush(running, (now + cost[step], step))
        if not running:
            break  # blocked for good (a plan the checks refuse)
        now, step = heapq.heappop(running)
        done.add(step)
    return now
