"""What ``run --dry-run`` says about a step with candidates: each one (its label and tool)
and how one is chosen among them."""

from __future__ import annotations

from workstream.candidates import FIRST
from workstream.executor.candidates import unit_steps
from workstream.model import Workstream


def candidate_lines(model: Workstream, step_id: str, workers: int) -> list[str]:
    """Lines under a step of a wave: none for a step without candidates."""
    step = model.step(step_id)
    if step is None or not step.candidates:
        return []
    units = unit_steps(step)
    select = step.select or FIRST
    if select.mode == "first":
        how = "the first to pass its acceptance tests wins, the others are stopped"
    else:
        best = "lowest" if select.better == "lower" else "highest"
        how = (
            f"`{select.score}` scores each that passes, in its worktree; the {best} score wins "
            "(ties: the lower number)"
        )
    share = f"; they share the {workers} workers" if len(units) > workers else ""
    lines = [f"{step_id}: {len(units)} candidates, each in its own worktree{share}; {how}"]
    for n, (unit, label) in enumerate(units, start=1):
        tool = "a command" if unit.run is not None and unit.tool == "shell" else unit.tool
        lines.append(f"  {n}. {label} (tool: {tool})")
    return lines
