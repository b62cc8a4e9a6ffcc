"""``workstream.graphData [uri]``: the dependency graph of an open document as JSON, for a
client that draws it (the VS Code extension's graph view).

The answer, built in the query thread from the document's newest analysis::

    {"uri", "workstreamId", "version",
     "nodes": [{"id", "description", "status", "statusText", "changedSince",
                "wave", "onCriticalPath", "range",
                "candidates": [{"n", "label", "status", "score", "selected", "branch"}]}],
     "edges": [{"from", "to", "critical"}],
     "waves": <count>, "criticalPath": [ids], "activeRun": <run id or null>,
     "groups": [{"id", "kind", "steps", "execute", "maxWorkers"}]}

``status`` is the step's last or running status (``queued``, ``running``, ``succeeded``,
``failed``, ``skipped``, ``cancelled``; null when it never ran), ``statusText`` the lens's
text of it, ``changedSince`` true when the step is no longer what ran. ``wave`` counts from 1
(null in a graph with a cycle, which has no waves); an edge goes from a dependency to its
dependent; ``range`` is the step id's range in the current text (null when edited away).
``candidates`` lists a step's candidates (empty without), their last run's status, score,
selection and branch (null before a run); ``groups`` are the clusters to draw: each
``step_groups`` entry (``kind`` ``step_group``) and each ``parallel_group`` number
(``kind`` ``parallel_group``, id ``parallel_group <n>``).
"""

from __future__ import annotations

import itertools
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from workstream.findings import Span
from workstream.lsp.arguments import URI, short, strings
from workstream.lsp.bulk import JSON, Wire, off_loop, ranges
from workstream.lsp.context import At, resolve
from workstream.lsp.server import WorkstreamServer
from workstream.lsp.statuses import StepStatus, changed_since, lens_text
from workstream.model import Step, Workstream
from workstream.render import group_clusters

GRAPH_DATA = "workstream.graphData"


def graph_data(at: At, statuses: dict[str, StepStatus], active_run: str | None) -> Wire:
    """The graph of the analysed document with statuses (runs in the query thread)."""
    analysis = at.snapshot.analysis
    model = analysis.model
    if model is None:
        raise JsonRpcInvalidParams(
            f"{GRAPH_DATA}: not a workstream (the document is not a JSON object): "
            f"{short(at.doc.uri)}"
        )
    from workstream.executor.plan import graph_plan  # the executor loads on first use

    plan = graph_plan(model)
    wave_of = {step: n for n, wave in enumerate(plan.waves, start=1) for step in wave}
    on_path = set(plan.critical_path)
    critical = set(itertools.pairwise(plan.critical_path))
    steps = [model.step(step_id) for step_id in plan.steps]
    spans: list[Span | None] = [
        None if step is None else analysis.parsed.span(("steps", step.index, "id"))
        for step in steps
    ]
    where = ranges(at, spans)
    nodes: list[JSON] = []
    for step_id, step, place in zip(plan.steps, steps, where, strict=True):
        entry = statuses.get(step_id)
        nodes.append(
            {
                "id": step_id,
                "description": None if step is None else step.description,
                "status": None if entry is None else entry.status,
                "statusText": None if entry is None else lens_text(entry, model, step),
                "changedSince": entry is not None and bool(changed_since(entry, model, step)),
                "wave": wave_of.get(step_id),
                "onCriticalPath": step_id in on_path,
                "range": place,
                "candidates": _candidates(step, entry),
            }
        )
    edges = [{"from": a, "to": b, "critical": (a, b) in critical} for a, b in plan.edges]
    return Wire(
        {
            "uri": at.doc.uri,
            "workstreamId": model.id,
            "version": at.doc.version,
            "nodes": nodes,
            "edges": edges,
            "waves": len(plan.waves),
            "criticalPath": list(plan.critical_path),
            "activeRun": active_run,
            "groups": _groups(model, set(plan.steps)),
        }
    )


def _candidates(step: Step | None, entry: StepStatus | None) -> list[JSON]:
    """A step's candidates as defined, with their last run's status, score and selection."""
    if step is None or not step.candidates:
        return []
    from workstream.executor.candidates import unit_steps  # the executor loads on first use

    ran = {r.get("n"): r for r in (entry.candidates if entry is not None else ())}
    out: list[JSON] = []
    for n, (_, label) in enumerate(unit_steps(step), start=1):
        record = ran.get(n, {})
        out.append(
            {
                "n": n,
                "label": label,
                "status": record.get("status"),
                "score": record.get("score"),
                "selected": bool(record.get("selected")),
                "branch": record.get("branch"),
            }
        )
    return out


def _groups(model: Workstream, planned: set[str]) -> list[JSON]:
    """The clusters: each ``step_groups`` entry, then each ``parallel_group`` number."""
    out: list[JSON] = []
    for title, group, steps in group_clusters(model, planned):
        if isinstance(group, int):
            kind, execute, cap = "parallel_group", "parallel", None
        else:
            kind, cap = "step_group", group.max_workers
            execute = "sequential" if group.sequential else "parallel"
        out.append(
            {"id": title, "kind": kind, "steps": steps, "execute": execute, "maxWorkers": cap}
        )
    return out


async def graph_json(ls: WorkstreamServer, *arguments: Any) -> Wire:
    """The open document's DAG with its steps' statuses, waves and critical path."""
    [uri] = strings(GRAPH_DATA, arguments, URI)
    at = resolve(ls, uri)
    if at is None:
        raise JsonRpcInvalidParams(f"{GRAPH_DATA}: not an open document: {short(uri)}")
    statuses = dict(ls.runs.statuses(uri))  # a copy: runs update it on the event loop
    return await off_loop(ls, graph_data, at, statuses, ls.runs.active_run(uri))


def register(server: WorkstreamServer) -> None:
    """Register the command."""
    server.command(GRAPH_DATA)(graph_json)
