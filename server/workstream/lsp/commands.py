"""``workspace/executeCommand``: run a step or the workstream, cancel a run, get the graph.

* ``workstream.runStep [uri, stepId]`` and ``workstream.runWorkstream [uri]`` start a run in
  the background and return its run id at once (refused when the workspace is untrusted);
* ``workstream.cancelRun [runId]`` returns whether a run was cancelled;
* ``workstream.graph [uri]`` returns the dependency graph as mermaid text.

These commands are the only way anything is executed.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from workstream.analysis import analyze
from workstream.executor.plan import graph_plan
from workstream.lsp.server import WorkstreamServer
from workstream.render import mermaid

RUN_STEP = "workstream.runStep"
RUN_WORKSTREAM = "workstream.runWorkstream"
CANCEL_RUN = "workstream.cancelRun"
GRAPH = "workstream.graph"


async def run_step(ls: WorkstreamServer, uri: str, step_id: str) -> str:
    """Run one step (and whichever dependencies it still needs); returns the run id."""
    return await ls.runs.start(uri, (step_id,))


async def run_workstream(ls: WorkstreamServer, uri: str) -> str:
    """Run every step; returns the run id."""
    return await ls.runs.start(uri, ())


def cancel_run(ls: WorkstreamServer, run_id: str) -> bool:
    """Cancel a run in progress."""
    return ls.runs.cancel(run_id)


def graph(ls: WorkstreamServer, uri: str) -> str:
    """The document's DAG as mermaid text, as ``workstream graph`` prints it (the open
    document, else the file on disk)."""
    doc = ls.document(uri)
    if doc is not None and doc.snapshot is not None and doc.snapshot.version == doc.version:
        model = doc.snapshot.analysis.model
    elif doc is not None:
        model = analyze(doc.text).model
    else:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        try:
            text = Path(path).read_text(encoding="utf-8") if path else None
        except (OSError, UnicodeDecodeError):
            text = None
        if text is None:
            raise JsonRpcInvalidParams(f"Unknown document: {uri}")
        model = analyze(text).model
    if model is None:
        raise JsonRpcInvalidParams(f"Not a workstream (the document is not a JSON object): {uri}")
    return mermaid(graph_plan(model))


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
