"""``textDocument/hover`` on a step id or a ``depends_on`` entry: what the step is and does.

Shows the description, tool, dependencies, dependents, file scope and last run status. The
answer comes from the newest analysis without waiting for one, so it stays fast while the
user types.
"""

from __future__ import annotations

from lsprotocol import types

from workstream.lsp.context import resolve, to_current
from workstream.lsp.query import target_at
from workstream.lsp.server import WorkstreamServer
from workstream.lsp.snapshot import Snapshot
from workstream.model import Step


def _list(items: tuple[str, ...] | list[str], empty: str = "none") -> str:
    return ", ".join(f"`{item}`" for item in items) if items else empty


def describe(snapshot: Snapshot, step: Step, status: str | None) -> str:
    """Markdown describing one step."""
    graph = snapshot.graph
    dependents: list[str] = []
    if graph is not None and step.id in graph.index:
        here = graph.index[step.id]
        dependents = [graph.ids[n] for n, deps in enumerate(graph.deps) if here in deps]
    lines = [f"**{step.id}**" + (f" — {step.description}" if step.description else "")]
    lines.append("")
    lines.append(f"- tool: `{step.tool}`")
    lines.append(f"- depends on: {_list(step.depends_on)}")
    lines.append(f"- dependents: {_list(dependents)}")
    files = "no scope" if step.files is None else _list(step.files, "must change nothing")
    lines.append(f"- files: {files}")
    if status:
        lines.append(f"- last run: {status}")
    return "\n".join(lines)


def hover(ls: WorkstreamServer, params: types.HoverParams) -> types.Hover | None:
    """Describe the step under the cursor."""
    at = resolve(ls, params.text_document.uri, params.position)
    if at is None or at.analysed is None:
        return None
    target = target_at(at.snapshot.analysis, at.analysed)
    model = at.snapshot.analysis.model
    if target is None or model is None:
        return None
    if target.kind == "workstream-id":
        text = f"**workstream {target.name}** — {len(model.steps)} steps"
    elif target.kind == "tool":
        command = model.tools.get(target.name)
        text = f"tool `{target.name}`" + (f": `{' '.join(command.command)}`" if command else "")
    else:
        step = model.step(target.name)
        if step is None:
            text = f"`{target.name}`: no step has this id"
        else:
            status = ls.runs.status_text(at.doc.uri, step.id)
            text = describe(at.snapshot, step, status)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=to_current(at, target.span),
    )


def register(server: WorkstreamServer) -> None:
    """Register hover."""
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
