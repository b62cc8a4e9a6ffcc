"""The run's story in time: what parallelism saved, and what a plan will take.

- :func:`time_saved` compares a finished run's wall time with the sum of the times of the
  steps it ran (what one step at a time would have taken, about): "3m01s; one at a time
  about 8m38s: 65% saved".
- :func:`estimate` weighs a plan with the durations of earlier runs: the critical path by
  time rather than by steps, and the wall time of the plan, simulated with the scheduler's
  own rules (the longest remaining chain first, ``workers`` at once, ``parallel_group``
  barriers). Steps that never ran count as the median of those that did. A step with
  candidates is one unit of work per candidate (:class:`Units`), each taking a worker: with
  ``select: "first"`` the step ends when its first candidate does (the others are stopped),
  with a score when the last one does.

Pure: reads a :class:`~workstream.executor.state.RunState`, runs nothing.
"""

from __future__ import annotations

import heapq
import itertools
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from workstream.executor.plan import Plan
from workstream.executor.state import RunState
from workstream.model import Workstream


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


@dataclass(frozen=True, slots=True)
class Units:
    """A step with candidates, as the estimate weighs it."""

    count: int  # its units of work (candidates times their attempts)
    first: bool  # ``select: "first"``: it ends with the first candidate to end
    measured: tuple[float | None, ...] = ()  # each unit's last duration (ms), where known

    def costs(self, step_ms: float) -> list[float]:
        """Each unit's cost: its measured duration, else the step's."""
        known = list(self.measured) + [None] * (self.count - len(self.measured))
        return [step_ms if c is None else c for c in known[: self.count]]


def units_of(model: Workstream, plan: Plan, state: RunState | None) -> dict[str, Units]:
    """The planned steps with candidates, with their candidates' last durations."""
    out: dict[str, Units] = {}
    for step_id in plan.steps:
        step = model.step(step_id)
        if step is None or not step.candidates:
            continue
        entry = state.steps.get(step_id) if state is not None else None
        records = entry.candidates if entry is not None else []
        measured: list[float | None] = []
        for record in records[: step.units]:
            took = record.get("duration_ms")
            ran = record.get("status") in ("succeeded", "failed")
            measured.append(float(took) if ran and isinstance(took, int | float) else None)
        first = step.select is None or step.select.mode == "first"
        out[step_id] = Units(step.units, first, tuple(measured))
    return out


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


def estimate(
    plan: Plan,
    measured: dict[str, float],
    run_ids: tuple[str, ...],
    units: Mapping[str, Units] | None = None,
) -> Estimate | None:
    """The plan weighed with ``measured`` durations; None when none of its steps has one.

    ``units``: the steps with candidates (:func:`units_of`)."""
    known = [measured[s] for s in plan.steps if s in measured]
    if not known:
        return None
    default = statistics.median(known)
    units = units or {}
    work = {s: [measured.get(s, default)] for s in plan.steps}
    for step_id, unit in units.items():
        if step_id in work:
            work[step_id] = unit.costs(work[step_id][0])
    cost = {s: _step_cost(work[s], units.get(s), plan.workers) for s in plan.steps}
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
    wall = _simulate(plan, work, units, cost, deps, dependents, group)
    serial = sum(
        (w[0] if units[s].first else sum(w)) if s in units else w[0] for s, w in work.items()
    )  # one at a time, a "first" step ends with its first candidate
    return Estimate(tuple(reversed(path)), finish[end], wall, serial, len(known), run_ids)


def _step_cost(costs: list[float], unit: Units | None, workers: int) -> float:
    """A step's time on the critical path: with candidates, the first to end (``first``),
    or the time its candidates take on the workers, in order (a score)."""
    if unit is None:
        return costs[0]
    if unit.first:
        return min(costs)
    free = [0.0] * max(1, min(workers, len(costs)))  # each to the worker free first
    for took in costs:
        heapq.heappush(free, heapq.heappop(free) + took)
    return max(free)


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
    work: dict[str, list[float]],
    units: Mapping[str, Units],
    cost: dict[str, float],
    deps: dict[str, list[str]],
    dependents: dict[str, list[str]],
    group: dict[str, int],
) -> float:
    """The wall time of a list schedule of the plan, as the scheduler would run it: each
    unit of work (a step, or one of its candidates) takes a worker; the candidates of a
    started step go first."""
    height: dict[str, float] = {}
    for step in reversed([s for wave in plan.waves for s in wave]):
        height[step] = cost[step] + max((height[d] for d in dependents[step]), default=0.0)
    position = {s: i for i, s in enumerate(plan.steps)}
    queued = {s: list(range(len(work[s]))) for s in plan.steps}  # units not started yet
    ended = {s: 0 for s in plan.steps}
    done: set[str] = set()
    running: list[tuple[float, str, int]] = []  # (finish time, step, unit)
    now = 0.0
    while len(done) < len(plan.steps):
        pending = [group[s] for s in plan.steps if s not in done and s in group]
        lowest = min(pending, default=None)
        ready = [
            s
            for s in plan.steps
            if queued[s]
            and all(d in done for d in deps[s])
            and (s not in group or lowest is None or group[s] <= lowest)
        ]
        started = {s for _, s, _ in running}
        ready.sort(key=lambda s: (s not in started, -height[s], position[s]))
        for step in ready:
            while queued[step] and len(running) < plan.workers:
                n = queued[step].pop(0)
                heapq.heappush(running, (now + work[step][n], step, n))
        if not running:
            break  # blocked for good (a plan the checks refuse)
        now, step, _ = heapq.heappop(running)
        ended[step] += 1
        unit = units.get(step)
        if unit is not None and unit.first:  # the first to end wins: the others stop
            running = [r for r in running if r[1] != step]
            heapq.heapify(running)
            queued[step] = []
            done.add(step)
        elif ended[step] == len(work[step]):
            done.add(step)
    return now
