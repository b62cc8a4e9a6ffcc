"""Step groups (``step_groups``): what makes one unusable.

- WS108: a group lists a step that is not defined (with "did you mean");
- WS109: a step listed in a second group (or twice in one);
- WS110: a group id that is also a step id or another group's id (``depends_on`` could not
  tell them apart: the step wins, the group is unusable there);
- WS111: a sequential group whose order contradicts ``depends_on``: a step listed before
  another depends on it (even transitively), or is in a higher ``parallel_group`` (it waits at
  that group's barrier), so neither could ever start.

Each finding is on the offending string of the ``step_groups`` entry.
"""

from __future__ import annotations

from workstream.analysis.context import Context
from workstream.analysis.dependencies import close_ids
from workstream.analysis.groups import highest_waits
from workstream.findings import Finding, Related, finding


def check(ctx: Context) -> list[Finding]:
    """WS108-WS111."""
    groups = ctx.model.step_groups
    if not groups:
        return []
    graph = ctx.graph
    findings: list[Finding] = []
    owner: dict[str, tuple[str, int, int]] = {}  # step → (group id, group index, position)
    group_ids: dict[str, int] = {}
    for group in groups:
        where = ("step_groups", group.index)
        if group.id in graph.index:
            findings.append(
                finding(
                    "WS110",
                    f"Step group id '{group.id}' is also a step's id: in depends_on it would "
                    "mean the step. Rename the group.",
                    ctx.span((*where, "id")),
                    (Related(ctx.step_id_span(ctx.step_of(group.id)), "the step"),),
                    group=group.id,
                )
            )
        elif group.id and group.id in group_ids:
            findings.append(
                finding(
                    "WS110",
                    f"Step group id '{group.id}' is already used by another group. Rename "
                    "this one.",
                    ctx.span((*where, "id")),
                    (Related(ctx.span(("step_groups", group_ids[group.id], "id")), "the first"),),
                    group=group.id,
                )
            )
        group_ids.setdefault(group.id, group.index)
        raw_steps = ctx.parsed.value["step_groups"][group.index].get("steps")
        if not isinstance(raw_steps, list):
            raw_steps = []
        positions = [i for i, item in enumerate(raw_steps) if isinstance(item, str)]
        for position, step_id in zip(positions, group.steps, strict=False):
            span = ctx.span((*where, "steps", position))
            if step_id not in graph.index:
                close = close_ids(step_id, graph)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                findings.append(
                    finding(
                        "WS108",
                        f"Step group '{group.id}' lists '{step_id}', which is not a step.{hint}",
                        span,
                        group=group.id,
                        suggestions=close,
                    )
                )
                continue
            first = owner.get(step_id)
            if first is not None:
                same = first[1] == group.index
                findings.append(
                    finding(
                        "WS109",
                        f"Step '{step_id}' is listed twice in step group '{group.id}'. Remove "
                        "this entry."
                        if same
                        else f"Step '{step_id}' is already in step group '{first[0]}': a step "
                        "belongs to one group. Remove it from one of them.",
                        span,
                        (Related(ctx.span(("step_groups", first[1], "steps", first[2])), "there"),),
                        group=group.id,
                    )
                )
                continue
            owner[step_id] = (group.id, group.index, position)
        if group.sequential:
            findings.extend(_order(ctx, group.id, group.index, positions, group.steps))
    return findings


def _order(
    ctx: Context, group_id: str, index: int, positions: list[int], steps: tuple[str, ...]
) -> list[Finding]:
    """WS111: a step listed before one it depends on, or before one of a lower parallel_group,
    in a sequential group."""
    graph = ctx.graph
    listed = [
        (position, step_id, graph.index[step_id])
        for position, step_id in zip(positions, steps, strict=False)
        if step_id in graph.index
    ]
    findings = []
    highest = highest_waits(graph)
    for i, (position, step_id, node) in enumerate(listed):
        later = next(
            (other for _, other, there in listed[i + 1 :] if graph.depends_on(node, there)), None
        )
        if later is not None:
            findings.append(
                finding(
                    "WS111",
                    f"Step group '{group_id}' runs '{step_id}' before '{later}', but "
                    f"'{step_id}' depends on '{later}': neither could start. List '{later}' "
                    "first.",
                    ctx.span(("step_groups", index, "steps", position)),
                    group=group_id,
                )
            )
            continue
        barred = _barred(ctx, highest[node], [there for _, _, there in listed[i + 1 :]])
        if barred is not None:
            high, waited, other, lower = barred
            via = "" if waited == step_id else f" waits for '{waited}' which"
            findings.append(
                finding(
                    "WS111",
                    f"Step group '{group_id}' runs '{step_id}' before '{other}' (parallel_group "
                    f"{lower}), but '{step_id}'{via} is in parallel_group {high}, which starts "
                    f"only after group {lower} finished: neither could start. "
                    f"List '{other}' first.",
                    ctx.span(("step_groups", index, "steps", position)),
                    group=group_id,
                )
            )
    return findings


def _barred(
    ctx: Context, waits: tuple[int, int] | None, later: list[int]
) -> tuple[int, str, str, int] | None:
    """The first of ``later`` in a lower ``parallel_group`` than ``waits``, the highest one a
    step waits for (its own or a dependency's: at that group's barrier): (that group, the step of
    it, the later step's id, its group); None when there is none."""
    steps = ctx.graph.steps
    if waits is None:
        return None
    for there in later:
        group = steps[there].parallel_group
        if group is not None and group < waits[0]:
            return waits[0], steps[waits[1]].id, steps[there].id, group
    return None
