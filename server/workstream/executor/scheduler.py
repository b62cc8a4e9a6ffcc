"""The scheduler: which step starts next, and what a finished step unblocks or skips.

It follows dask's local scheduler: explicit state (waiting, running, finished), a loop that
starts ready steps up to ``workers`` (the one on the longest remaining chain first) and then
blocks on a queue of finished attempts, releasing whatever they unblocked. Only the
scheduler thread decides; workers post their result. A failure skips every step downstream
of it at once; other branches go on unless ``fail_fast`` (or a tripwire) stops launching.

A step with ``candidates`` is several units of work: when it starts, its candidates are
queued and each takes a worker of its own (candidates of started steps go first), so
``max_workers`` and a step group's cap count them one by one. Each candidate's report goes
to the engine (:meth:`Hooks.record`), which may stop the others (``select: "first"``:
:meth:`Hooks.wants` then refuses the queued ones); once none runs or waits, the engine
decides (:meth:`Hooks.conclude`) and the step finishes like any other.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from workstream.executor.context import AttemptResult, Inputs
from workstream.executor.events import Status
from workstream.executor.plan import Plan
from workstream.executor.resources import why_hold
from workstream.model import Workstream

#: How often a held-back step looks again at memory and load (seconds).
HOLD_POLL_S = 1.0


@dataclass(frozen=True, slots=True)
class Done:
    """A worker's report: a step's last attempt ended."""

    step_id: str
    result: AttemptResult
    started: float  # monotonic, first attempt
    attempts: int
    candidate: int | None = None  # the candidate (from 1) of a step with candidates


class Hooks(Protocol):
    """What the scheduler asks of the engine."""

    def status(self, step_id: str) -> Status: ...
    def inputs(self, step_id: str, deps: list[str]) -> Inputs: ...
    def reuse(self, step_id: str, inputs: Inputs) -> bool: ...
    def launch(self, step_id: str, inputs: Inputs, candidate: int | None = None) -> None: ...
    def wants(self, step_id: str, candidate: int) -> bool:
        """Whether a queued candidate should still start (not once another was chosen)."""
        ...

    def conclude(self, step_id: str) -> Done:
        """A step with candidates, none running or queued: its result, chosen."""
        ...

    def record(self, done: Done) -> bool:
        """Record a finished step; False when the run must stop launching steps."""
        ...

    def finish(self, step_id: str, status: Status, message: str) -> None: ...
    def note(self, step_id: str, text: str) -> None:
        """Say something about a step that has not started (why it is held back)."""
        ...


def schedule(
    plan: Plan,
    model: Workstream,
    hooks: Hooks,
    inbox: queue.Queue[Done | None],
    cancel: threading.Event,
    fail_fast: bool,
    timed_out: threading.Event | None = None,
) -> None:
    """Run the plan's steps through ``hooks`` until none waits or runs."""
    order = {step_id: i for i, step_id in enumerate(plan.steps)}
    deps: dict[str, list[str]] = {s: [] for s in plan.steps}
    dependents: dict[str, list[str]] = {s: [] for s in plan.steps}
    for dep, step_id in plan.edges:
        dependents[dep].append(step_id)
    for step_id in plan.steps:  # in depends_on order: the first dependency is the start
        step = model.step(step_id)
        assert step is not None
        deps[step_id] = [d for d in model.expand(step.depends_on) if d in order]
    height = heights(plan, dependents)
    waiting = set(plan.steps)
    running: set[str] = set()
    delay = model.execution.rate_limit_delay
    breakers = Breakers(model)
    group = dict(plan.groups)
    execution = model.execution
    watch = execution.memory_per_step is not None or execution.adaptive_scaling
    held: dict[str, str] = {}  # step → the reason last said
    after, caps = step_group_rules(model, order)
    launching = True
    last_start: float | None = None
    units = {s: u.units for s in plan.steps if (u := model.step(s)) is not None and u.candidates}
    queued: list[tuple[str, int]] = []  # candidates of started steps, not launched yet
    busy: dict[str, int] = {}  # per running step: its units running now
    starts: dict[str, Inputs] = {}  # where each step with candidates starts

    def stop(status: Status, message: str) -> None:
        for step_id in sorted(waiting, key=order.__getitem__):
            hooks.finish(step_id, status, message)
        waiting.clear()

    def free(step_id: str) -> bool:  # under every cap of its step groups
        return all(
            sum(busy.get(r, 0) for r in members) < cap for members, cap in caps.get(step_id, ())
        )

    def halt(done: Done, go_on: bool) -> None:
        nonlocal launching
        failed = done.result.status == "failed" and done.candidate is None
        if launching and (not go_on or (fail_fast and failed)):
            launching = False
            why = "fail_fast" if go_on else "the user's repository changed"
            stop("skipped", f"not started: {why} after {done.step_id!r}")

    def settle(done: Done) -> None:
        running.discard(done.step_id)
        busy.pop(done.step_id, None)
        go_on = hooks.record(done)
        if done.result.status == "failed":
            for step_id in downstream(done.step_id, dependents):
                if step_id in waiting:
                    waiting.discard(step_id)
                    hooks.finish(step_id, "skipped", f"not run: {done.step_id!r} failed")
        opened = breakers.record(done)
        if opened is not None:
            tool, message = opened
            for step_id in sorted(waiting, key=order.__getitem__):
                if step_id in waiting and breakers.tool_of(step_id) == tool:
                    waiting.discard(step_id)
                    hooks.finish(step_id, "skipped", message)
                    for later in downstream(step_id, dependents):
                        if later in waiting:
                            waiting.discard(later)
                            hooks.finish(later, "skipped", f"not run: {step_id!r} was skipped")
        halt(done, go_on)

    while waiting or running:
        if cancel.is_set():
            if waiting:
                if timed_out is not None and timed_out.is_set():
                    stop("skipped", "not started: the run timed out (execution.timeout)")
                else:
                    stop("cancelled", "not started: the run was cancelled")
            launching = False
        # a step with candidates whose units all ended (or will never start) is decided
        for step_id in sorted(running, key=order.__getitem__):
            more = launching and any(s == step_id for s, _ in queued)
            if step_id in units and not busy.get(step_id) and not more:
                queued = [u for u in queued if u[0] != step_id]
                settle(hooks.conclude(step_id))
        pause: float | None = None
        while launching and sum(busy.values()) < plan.workers:
            unit = next((u for u in queued if free(u[0])), None)
            if unit is not None:
                step_id = unit[0]
            else:
                ready = [s for s in waiting if all(hooks.status(d) == "succeeded" for d in deps[s])]
                if after:  # a sequential group: the step listed before must have finished
                    ready = [s for s in ready if after.get(s) not in waiting | running]
                if caps:  # a step group's own max_workers
                    ready = [s for s in ready if free(s)]
                if group:  # a barrier: nothing of a group starts before lower groups finished
                    pending = [group[s] for s in (*waiting, *running) if s in group]
                    lowest = min(pending, default=None)
                    ready = [
                        s for s in ready if s not in group or lowest is None or group[s] <= lowest
                    ]
                if not ready:
                    break
                step_id = max(ready, key=lambda s: (height[s], -order[s]))
                inputs = hooks.inputs(step_id, deps[step_id])
                if hooks.reuse(step_id, inputs):
                    waiting.discard(step_id)
                    continue
                if step_id in units:  # its candidates are queued, the first starts next
                    waiting.discard(step_id)
                    running.add(step_id)
                    busy[step_id] = 0
                    starts[step_id] = inputs
                    queued[:0] = [(step_id, n) for n in range(1, units[step_id] + 1)]
                    continue
            if delay and last_start is not None:
                pause = last_start + delay - time.monotonic()
                if pause > 0:
                    break
                pause = None
            why = why_hold(execution.memory_per_step, execution.adaptive_scaling) if watch else None
            if why is not None and any(busy.values()):
                if held.get(step_id) != why:
                    held[step_id] = why
                    hooks.note(step_id, f"held back: {why}")
                pause = HOLD_POLL_S
                break
            if why is not None:
                hooks.note(step_id, f"starting anyway ({why}): nothing else of the run is running")
            last_start = time.monotonic()
            if unit is not None:
                queued.remove(unit)
                busy[step_id] += 1
                hooks.launch(step_id, starts[step_id], unit[1])
                continue
            waiting.discard(step_id)
            running.add(step_id)
            busy[step_id] = 1
            hooks.launch(step_id, inputs)
        if not running and pause is None:
            # Nothing runs and nothing can start: whatever waits is blocked for good.
            stop("skipped", "not run: the run stopped launching steps")
            break
        if running and not any(busy.values()) and pause is None:
            continue  # only steps with candidates to decide: the loop's top does it
        try:
            done = inbox.get(timeout=pause)
        except queue.Empty:
            continue
        if done is None:
            continue
        if done.candidate is None:
            settle(done)
            continue
        busy[done.step_id] -= 1
        go_on = hooks.record(done)
        queued = [u for u in queued if hooks.wants(*u)]
        halt(done, go_on)


def heights(plan: Plan, dependents: dict[str, list[str]]) -> dict[str, int]:
    """Per step, the number of steps on the longest chain from it to the end."""
    height: dict[str, int] = {}
    for step_id in reversed([s for wave in plan.waves for s in wave]):
        height[step_id] = 1 + max((height[d] for d in dependents[step_id]), default=0)
    return height


def downstream(step_id: str, dependents: dict[str, list[str]]) -> list[str]:
    """Every step that depends on ``step_id``, directly or not."""
    seen: set[str] = set()
    out: list[str] = []
    stack = list(dependents[step_id])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            out.append(node)
            stack.extend(dependents[node])
    return out


class Breakers:
    """Circuit breakers: a tool's failures in a row (the tool itself, in completion order)."""

    def __init__(self, model: Workstream) -> None:
        self._model = model
        self._streak: dict[str, int] = {}
        self._open: set[str] = set()

    def tool_of(self, step_id: str) -> str:
        step = self._model.step(step_id)
        return step.tool if step is not None else ""

    def record(self, done: Done) -> tuple[str, str] | None:
        """Count a finished step; the tool and the skip message when its circuit opens now."""
        tool = self.tool_of(done.step_id)
        limit = self._model.circuit_breaker(tool)
        if limit is None or tool in self._open:
            return None
        if done.result.status == "succeeded":
            self._streak[tool] = 0
        elif done.result.status == "failed" and done.result.tool_failed:
            self._streak[tool] = self._streak.get(tool, 0) + 1
        if self._streak.get(tool, 0) < limit:
            return None
        self._open.add(tool)
        times = "once" if limit == 1 else f"{limit} times in a row"
        return tool, f"not started: circuit open: {tool} failed {times} (circuit_breaker)"


def step_group_rules(
    model: Workstream, planned: dict[str, int]
) -> tuple[dict[str, str], dict[str, list[tuple[frozenset[str], int]]]]:
    """From ``step_groups``, among the planned steps: the step each one of a sequential group
    waits for (the one listed before it), and per step the caps of the groups it is in."""
    after: dict[str, str] = {}
    caps: dict[str, list[tuple[frozenset[str], int]]] = {}
    for group in model.step_groups:
        members = [s for s in dict.fromkeys(group.steps) if s in planned]
        if group.sequential:
            for before, step_id in itertools.pairwise(members):
                after.setdefault(step_id, before)
        if group.max_workers is not None:
            bound = (frozenset(members), group.max_workers)
            for step_id in members:
                caps.setdefault(step_id, []).append(bound)
    return after, caps
