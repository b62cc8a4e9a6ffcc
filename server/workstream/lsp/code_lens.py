"""``textDocument/codeLens``: "▶ Run workstream" on its id; "▶ Run step", the last status
and, when its AI tool kept one, its "transcript" on each step. A status that no longer holds
(the step or its start point changed since it ran) says so: "✓ 0.1 s · changed since".

A file with errors cannot run, so it offers no run: "✗ fix N errors to run" stands on its id
instead (opening the Problems panel when the client has ``workstream.showProblems``, else a
title only), and the steps keep only their statuses.

Lenses carry their command (no resolve step), and computing them runs nothing. The server asks
for fresh lenses with ``workspace/codeLens/refresh`` whenever a status changes. There are two
or three per step: they are built off the event loop (see :mod:`workstream.lsp.bulk`).
"""

from __future__ import annotations

from lsprotocol import types

from workstream.lsp.bulk import JSON, Wire, off_loop, ranges
from workstream.lsp.commands import RUN_STEP, RUN_WORKSTREAM
from workstream.lsp.context import At, resolve
from workstream.lsp.refusal import plural
from workstream.lsp.server import WorkstreamServer
from workstream.lsp.statuses import StepStatus, lens_text

#: A client-side command (see ``clientCommands``): open a step's log.
SHOW_STEP_LOG = "workstream.showStepLog"
#: A client-side command: show the problems of a document (``[uri]``).
SHOW_PROBLEMS = "workstream.showProblems"


def _lens(where: JSON, title: str, command: str, arguments: list[str] | None = None) -> JSON:
    lens: JSON = {"range": where, "command": {"title": title, "command": command}}
    if arguments is not None:
        lens["command"]["arguments"] = arguments
    return lens


def lenses(
    at: At, uri: str, statuses: dict[str, StepStatus], client_commands: frozenset[str]
) -> Wire:
    """The lenses as CodeLens JSON (runs in the query thread)."""
    analysis = at.snapshot.analysis
    model, parsed = analysis.model, analysis.parsed
    if model is None:
        return Wire([])
    graph = at.snapshot.graph
    steps = graph.steps if graph is not None else ()  # each id at its first definition
    spans = [parsed.span(("steps", step.index, "id")) for step in steps]
    workstream_id, *places = ranges(at, [parsed.span(("id",)), *spans])
    out: list[JSON] = []
    errors = len(analysis.errors)
    if workstream_id is not None and errors:
        title = f"✗ fix {plural(errors, 'error')} to run"
        if SHOW_PROBLEMS in client_commands:
            out.append(_lens(workstream_id, title, SHOW_PROBLEMS, [uri]))
        else:
            out.append(_lens(workstream_id, title, ""))
    elif workstream_id is not None:
        out.append(_lens(workstream_id, "▶ Run workstream", RUN_WORKSTREAM, [uri]))
    for step, place in zip(steps, places, strict=True):
        if place is None:
            continue
        if not errors:
            out.append(_lens(place, "▶ Run step", RUN_STEP, [uri, step.id]))
        entry = statuses.get(step.id)
        if entry is None:
            continue
        title = lens_text(entry, model, model.step(step.id))
        if entry.log_path and SHOW_STEP_LOG in client_commands:
            out.append(_lens(place, title, SHOW_STEP_LOG, [uri, step.id, entry.log_path]))
        else:
            out.append(_lens(place, title, ""))
        if entry.transcript_path and SHOW_STEP_LOG in client_commands:
            arguments = [uri, step.id, entry.transcript_path]
            out.append(_lens(place, "transcript", SHOW_STEP_LOG, arguments))
    return Wire(out)


async def code_lenses(ls: WorkstreamServer, params: types.CodeLensParams) -> Wire | None:
    """The lenses of a workstream file."""
    uri = params.text_document.uri
    at = resolve(ls, uri)
    if at is None:
        return None
    statuses = dict(ls.runs.statuses(uri))  # a copy: runs update theirs on the loop
    return await off_loop(ls, lenses, at, uri, statuses, ls.settings.client_commands)


def register(server: WorkstreamServer) -> None:
    """Register the code lenses."""
    server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))(
        code_lenses
    )
