"""Render a plan's DAG as mermaid, Graphviz dot or JSON, waves and critical path marked.

Edges point from a dependency to the step that depends on it. The CLI (``workstream graph``)
and the language server (``workstream.graph``) print the same text.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING

from workstream.model import StepGroup, Workstream

if TYPE_CHECKING:  # the executor loads on first use (the language server starts without it)
    from workstream.executor.plan import Plan


def _critical_edges(plan: Plan) -> set[tuple[str, str]]:
    path = plan.critical_path
    return set(itertools.pairwise(path))


def mermaid(plan: Plan, model: Workstream | None = None) -> str:
    """A mermaid flowchart: one subgraph per wave, the critical path highlighted. With the
    ``model``, a step with candidates is a subgraph of its own holding a node per candidate,
    and when the workstream has groups the clusters are its groups instead of its waves: each
    ``step_groups`` entry, then each ``parallel_group`` number (a node has one cluster)."""
    ids = {step: f"s{i}" for i, step in enumerate(plan.steps)}
    lines = ["flowchart LR"]
    clusters = _clusters(plan, model) if model is not None else []
    if not clusters:
        clusters = [
            (f"wave{n}", f"wave {n}", list(wave)) for n, wave in enumerate(plan.waves, start=1)
        ]
    for name, title, members in clusters:
        lines.append(f'  subgraph {name}["{_mermaid_text(title)}"]')
        for step in members:
            lines.extend(_mermaid_step(ids[step], step, model))
        lines.append("  end")
    in_waves = {step for _, _, members in clusters for step in members}
    for step in plan.steps:  # in no group (or, with a cycle, no wave): they stand alone
        if step not in in_waves:
            lines.extend(line[2:] for line in _mermaid_step(ids[step], step, model))
    critical = _critical_edges(plan)
    links: list[int] = []
    for number, (dep, step) in enumerate(plan.edges):
        thick = (dep, step) in critical
        lines.append(f"  {ids[dep]} {'==>' if thick else '-->'} {ids[step]}")
        if thick:
            links.append(number)
    lines.append("  classDef critical stroke:#d33,stroke-width:3px")
    if plan.critical_path:
        lines.append(f"  class {','.join(ids[s] for s in plan.critical_path)} critical")
    if links:
        lines.append(f"  linkStyle {','.join(map(str, links))} stroke:#d33,stroke-width:3px")
    return "\n".join(lines) + "\n"


def group_clusters(
    model: Workstream, planned: set[str]
) -> list[tuple[str, StepGroup | int, list[str]]]:
    """The groups a graph draws as clusters, with their planned members: each ``step_groups``
    entry (its id and the group), then each ``parallel_group`` number (``parallel_group N``
    and N). A step may be in two (a step group and a parallel group)."""
    out: list[tuple[str, StepGroup | int, list[str]]] = []
    for group in model.step_groups:
        if group.id:
            out.append((group.id, group, [s for s in group.steps if s in planned]))
    numbers: dict[int, list[str]] = {}
    for step in model.steps:
        if step.parallel_group is not None and step.id in planned:
            numbers.setdefault(step.parallel_group, []).append(step.id)
    out.extend((f"parallel_group {n}", n, numbers[n]) for n in sorted(numbers))
    return out


def _clusters(plan: Plan, model: Workstream) -> list[tuple[str, str, list[str]]]:
    """The groups as mermaid clusters (name, title, planned members): a step in two is drawn
    in the first (a step group before its parallel_group)."""
    placed: set[str] = set()
    out: list[tuple[str, str, list[str]]] = []
    for n, (title, group, steps) in enumerate(group_clusters(model, set(plan.steps))):
        members = [s for s in steps if s not in placed]
        if not members:
            continue
        if isinstance(group, int):
            out.append((f"pgroup{group}".replace("-", "m"), title, members))
        else:
            how = "sequential" if group.sequential else "parallel"
            cap = f", max {group.max_workers}" if group.max_workers else ""
            out.append((f"group{n}", f"{title} ({how}{cap})", members))
        placed.update(members)
    return out


def _mermaid_step(node: str, step_id: str, model: Workstream | None) -> list[str]:
    """A step's node, or its subgraph of candidates (``s0c1``…, each labelled as the
    dry run lists it)."""
    step = model.step(step_id) if model is not None else None
    if step is None or not step.candidates:
        return [f'    {node}["{_mermaid_text(step_id)}"]']
    from workstream.executor.candidates import unit_steps  # the executor loads on first use

    lines = [f'    subgraph {node}["{_mermaid_text(step_id)}"]']
    for n, (_, label) in enumerate(unit_steps(step), start=1):
        lines.append(f'      {node}c{n}["{n}: {_mermaid_text(label)}"]')
    lines.append("    end")
    return lines


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def dot(plan: Plan) -> str:
    """A Graphviz digraph: one rank per wave, the critical path in bold red."""
    on_path = set(plan.critical_path)
    critical = _critical_edges(plan)
    lines = [f"digraph {json.dumps(plan.workstream_id)} {{", "  rankdir=LR;", "  node [shape=box];"]
    for number, wave in enumerate(plan.waves, start=1):
        members = " ".join(json.dumps(step) for step in wave)
        lines.append(f"  subgraph wave{number} {{ rank=same; {members} }}")
    for step in plan.steps:
        style = " [color=red, penwidth=2, style=bold]" if step in on_path else ""
        lines.append(f"  {json.dumps(step)}{style};")
    for dep, step in plan.edges:
        style = " [color=red, penwidth=2]" if (dep, step) in critical else ""
        lines.append(f"  {json.dumps(dep)} -> {json.dumps(step)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def as_json(plan: Plan) -> str:
    """The plan as JSON: steps, edges (dependency → dependent), waves, critical path."""
    return json.dumps(plan.to_json(), indent=2) + "\n"
