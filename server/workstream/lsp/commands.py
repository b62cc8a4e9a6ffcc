"""``workspace/executeCommand``: run a step or the workstream, cancel a run, get the graph.

* ``workstream.runStep [uri, stepId]`` and ``workstream.runWorkstream [uri]`` start a run in
  the background and return its run id at once (refused in an untrusted workspace, and for a
  file outside the workspace folders: see :mod:`workstream.lsp.trust`);
* ``workstream.cancelRun [runId]`` returns whether a run was cancelled;
* ``workstream.graph [uri]`` returns the dependency graph as mermaid text.

These commands are the only way anything is executed. Each takes its raw arguments and checks
them (:mod:`workstream.lsp.arguments`): bad ones get a short InvalidParams error.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from workstream.analysis import analyze
from workstream.lsp.arguments import RUN_ID, STEP_ID, URI, short, strings
from workstream.lsp.bulk import off_loop
from workstream.lsp.server import WorkstreamServer
from workstream.lsp.trust import local_path
from workstream.render import mermaid

RUN_STEP = "workstream.runStep"
RUN_WORKSTREAM = "workstream.runWorkstream"
CANCEL_RUN = "workstream.cancelRun"
GRAPH = "workstream.graph"


def _file_uri(command: str, uri: str) -> str:
    if local_path(uri) is None:
        raise JsonRpcInvalidParams(
            f"{command}: uri must be a file: URI with an absolute path, not {short(uri)}"
        )
    return uri


async def run_step(ls: WorkstreamServer, *arguments: Any) -> str:
    """Run one step (and whichever dependencies it still needs); returns the run id."""
    uri, step_id = strings(RUN_STEP, arguments, URI, STEP_ID)
    return await ls.runs.start(_file_uri(RUN_STEP, uri), (step_id,))


async def run_workstream(ls: WorkstreamServer, *arguments: Any) -> str:
    """Run every step; returns the run id."""
    [uri] = strings(RUN_WORKSTREAM, arguments, URI)
    return await ls.runs.start(_file_uri(RUN_WORKSTREAM, uri), ())


def cancel_run(ls: WorkstreamServer, *arguments: Any) -> bool:
    """Cancel a run in progress."""
    [run_id] = strings(CANCEL_RUN, arguments, RUN_ID)
    return ls.runs.cancel(run_id)


def _mermaid(ls: WorkstreamServer, uri: str) -> str:
    """The graph of the open document at ``uri``, else of the file on disk when it lies in the
    workspace folders (runs in the query thread: it may read and analyse a file)."""
    doc = ls.document(uri)
    if doc is not None:
        snapshot = doc.snapshot
        if snapshot is not None and snapshot.version == doc.version:
            model = snapshot.analysis.model
        else:
            model = analyze(doc.text).model
    else:
        path = local_path(uri)
        inside = None if path is None else ls.folders.holding(path)
        try:
            text = inside.read_text(encoding="utf-8") if inside is not None else None
        except (OSError, UnicodeDecodeError):
            text = None
        if text is None:
            raise JsonRpcInvalidParams(f"{GRAPH}: unknown document {short(uri)}")
        model = analyze(text).model
    if model is None:
        raise JsonRpcInvalidParams(
            f"{GRAPH}: not a workstream (the document is not a JSON object): {short(uri)}"
        )
    from workstream.executor.plan import graph_plan  # the executor loads on first use

    return mermaid(graph_plan(model), model)


async def graph(ls: WorkstreamServer, *arguments: Any) -> str:
    """The document's DAG as mermaid text, as ``workstream graph`` prints it (the open
    document, else the file on disk)."""
    [uri] = strings(GRAPH, arguments, URI)
    return await off_loop(ls, _mermaid, ls, uri)


def cancel_progress(ls: WorkstreamServer, params: types.WorkDoneProgressCancelParams) -> None:
    """``window/workDoneProgress/cancel``: the cancel button of a run's progress."""
    ls.runs.cancel_progress(params.token)


def register(server: WorkstreamServer) -> None:
    """Register the commands (and the progress cancel button, which cancels a run)."""
    server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)(cancel_progress)
    server.command(RUN_STEP)(run_step)
    server.command(RUN_WORKSTREAM)(run_workstream)
    server.command(CANCEL_RUN)(cancel_run)
    server.command(GRAPH)(graph)
