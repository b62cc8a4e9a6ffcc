"""Which run each step's entry comes from, and which entries are stale.

A run of some steps (``--step``) rewrites only their entries; the others keep what an
earlier run left. An earlier run's success is *stale* when the start point it was built on
is no longer the current one: a dependency ran again since (its result is another commit),
a dependency is itself stale, or, for a step without dependencies, the run's base moved.
Its commit then holds an old version of its inputs, and the result branch would not match
what a full run makes now.

Only the state file is read (each entry records the ``depends_on`` it ran with), so the
answer does not depend on the workstream file being readable now.
"""

from __future__ import annotations

from typing import Literal

from workstream.executor.state import RunState

Freshness = Literal["this run", "earlier run", "stale"]


def freshness(state: RunState) -> dict[str, Freshness]:
    """Each step's freshness, in the state's order."""
    verdicts: dict[str, Freshness] = {}
    reasons = stale_reasons(state)
    for step_id, entry in state.steps.items():
        if entry.run_id == state.run_id:
            verdicts[step_id] = "this run"
        else:
            verdicts[step_id] = "stale" if step_id in reasons else "earlier run"
    return verdicts


def stale_reasons(state: RunState) -> dict[str, str]:
    """Why each stale entry is stale, in a few words (only stale entries are keys)."""
    reasons: dict[str, str] = {}
    visiting: set[str] = set()

    def check(step_id: str) -> bool:
        if step_id in reasons:
            return True
        entry = state.steps.get(step_id)
        if entry is None or step_id in visiting:
            return False
        if entry.run_id == state.run_id or entry.status != "succeeded":
            return False
        visiting.add(step_id)
        try:
            deps = [d for d in entry.depends_on if d in state.steps]
            if not deps:
                base = entry.inputs[0] if entry.inputs else ""
                if base and state.base_commit and base != state.base_commit:
                    reasons[step_id] = (
                        f"stale: built in run {entry.run_id} on base {base[:12]}, "
                        f"not on {state.base_commit[:12]}"
                    )
                return step_id in reasons
            changed = [
                d
                for d, old in zip(deps, entry.inputs, strict=False)
                if (state.steps[d].commit or "") != old
            ]
            if len(entry.inputs) != len(deps):
                changed = changed or deps
            upstream = [d for d in deps if d not in changed and check(d)]
            if changed:
                reasons[step_id] = (
                    f"stale: built in run {entry.run_id} on an older result of {', '.join(changed)}"
                )
            elif upstream:
                reasons[step_id] = (
                    f"stale: built in run {entry.run_id} on {', '.join(upstream)}, which is stale"
                )
            return step_id in reasons
        finally:
            visiting.discard(step_id)

    for step_id in state.steps:
        check(step_id)
    return reasons
