"""``textDocument/codeLens``: "▶ Run workstream" on its id; "▶ Run step" and the last status
on each step.

Lenses carry their command (no resolve step), and computing them runs nothing. The server asks
for fresh lenses with ``workspace/codeLens/refresh`` whenever a status changes.
"""

from __future__ import annotations

from lsprotocol import types

from workstream.lsp.commands import RUN_STEP, RUN_WORKSTREAM
from workstream.lsp.context import resolve, to_current
from workstream.lsp.runs import status_text
from workstream.lsp.server import WorkstreamServer

#: A client-side command (see ``clientCommands``): open a step's log.
SHOW_STEP_LOG = "workstream.showStepLog"


def code_lenses(ls: WorkstreamServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
    """The lenses of a workstream file."""
    uri = params.text_document.uri
    at = resolve(ls, uri)
    if at is None:
        return None
    analysis = at.snapshot.analysis
    model, parsed = analysis.model, analysis.parsed
    if model is None:
        return []
    lenses: list[types.CodeLens] = []
    span = parsed.span(("id",))
    where = None if span is None else to_current(at, span)
    if where is not None:
        lenses.append(
            types.CodeLens(
                range=where,
                command=types.Command(
                    title="▶ Run workstream", command=RUN_WORKSTREAM, arguments=[uri]
                ),
            )
        )
    statuses = ls.runs.statuses(uri)
    graph = at.snapshot.graph
    for step in graph.steps if graph is not None else ():  # each id at its first definition
        span = parsed.span(("steps", step.index, "id"))
        where = None if span is None else to_current(at, span)
        if where is None:
            continue
        lenses.append(
            types.CodeLens(
                range=where,
                command=types.Command(
                    title="▶ Run step", command=RUN_STEP, arguments=[uri, step.id]
                ),
            )
        )
        entry = statuses.get(step.id)
        if entry is not None:
            if entry.log_path and SHOW_STEP_LOG in ls.settings.client_commands:
                opens = types.Command(
                    title=status_text(entry),
                    command=SHOW_STEP_LOG,
                    arguments=[uri, step.id, entry.log_path],
                )
            else:
                opens = types.Command(title=status_text(entry), command="")
            lenses.append(types.CodeLens(range=where, command=opens))
    return lenses


def register(server: WorkstreamServer) -> None:
    """Register the code lenses."""
    server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))(
        code_lenses
    )
