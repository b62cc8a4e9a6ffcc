"""The hover's lines on a step's groups: its ``parallel_group`` and the barrier it waits at
(every step of every lower group), and the ``step_groups`` entry it belongs to (how that
group runs, and which of its steps come before it when it is sequential)."""

from __future__ import annotations

from workstream.model import Step, Workstream

#: At most this many step ids are named in one line; the rest are counted.
SHOWN = 8


def _ids(ids: list[str]) -> str:
    named = ", ".join(f"`{i}`" for i in ids[:SHOWN])
    return named + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def group_lines(model: Workstream, step: Step) -> list[str]:
    """The hover lines on the groups of ``step`` (none when it is in none)."""
    lines: list[str] = []
    group = step.parallel_group
    if group is not None:
        lower = sorted(
            {
                s.parallel_group
                for s in model.steps
                if s.parallel_group is not None and s.parallel_group < group
            }
        )
        higher = sorted(
            {
                s.parallel_group
                for s in model.steps
                if s.parallel_group is not None and s.parallel_group > group
            }
        )
        if lower:
            waits = [
                s.id
                for s in model.steps
                if s.parallel_group is not None and s.parallel_group < group
            ]
            groups = "group" + ("s " if len(lower) > 1 else " ") + _numbers(lower)
            line = (
                f"- parallel_group {group}: starts only after every step of {groups} "
                f"finished (barrier: {_ids(waits)})"
            )
        else:
            line = f"- parallel_group {group}: the lowest group, no barrier before it"
        if higher:
            later = "group" + ("s " if len(higher) > 1 else " ") + _numbers(higher)
            line += f"; {later} start only after it finished"
        lines.append(line)
    for entry in model.step_groups:
        if step.id not in entry.steps or model.groups_by_id.get(entry.id) is not entry:
            continue
        cap = f", at most {entry.max_workers} at once" if entry.max_workers else ""
        if entry.sequential:
            before = list(entry.steps[: entry.steps.index(step.id)])
            after = f"after {_ids(before)}" if before else "first"
            how = f"one after another, this one {after}"
        else:
            how = "in parallel"
        lines.append(f"- step group `{entry.id}`: {how}{cap}")
    return lines
