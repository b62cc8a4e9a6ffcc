"""``workstream.runsData`` and ``workstream.mergeResult``: the runs view of an editor.

* ``workstream.runsData [uri]`` answers the workstream file's steps with their latest status,
  duration, commit, branch, start commit, log, transcript and kept worktree (a step with
  candidates: the same per candidate, with its score and whether it was selected), and its last run
  with its base and result commits (:func:`workstream.executor.review.runs_data`); the file
  must lie in a workspace folder. ``error`` says why there is nothing (not in a git
  repository, unreadable), with ``steps`` empty.
* ``workstream.mergeResult [uri, dryRun]`` merges the last run's result into the user's
  current branch (``git merge --no-ff``) and answers what it merged; with ``dryRun`` true it
  only answers what would be merged (commits, files), for a confirmation. It refuses, changing
  nothing, with a short error (RequestFailed) when the tree has uncommitted changes, a merge is
  in progress, HEAD is detached or there is no result, and like a run it needs a trusted
  workspace and a file inside its folders.

Both answer in the query thread (they read git and the state file).
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from workstream.lsp.arguments import URI, short, strings
from workstream.lsp.bulk import Wire, off_loop
from workstream.lsp.server import WorkstreamServer
from workstream.lsp.trust import RunRefused, local_path, runnable_path

RUNS_DATA = "workstream.runsData"
MERGE_RESULT = "workstream.mergeResult"


def _runs(path: str, uri: str) -> Wire:
    from workstream.executor import ExecutorError
    from workstream.executor.review import runs_data

    try:
        data = runs_data(path)
    except ExecutorError as error:
        return Wire({"uri": uri, "file": path, "steps": [], "run": None, "error": str(error)})
    return Wire({"uri": uri, **data, "error": None})


async def runs_json(ls: WorkstreamServer, *arguments: Any) -> Wire:
    """The steps and last run of the workstream file ``uri`` (a file in the workspace)."""
    [uri] = strings(RUNS_DATA, arguments, URI)
    path = local_path(uri)
    inside = None if path is None else ls.folders.holding(path)
    if inside is None or not inside.is_file():
        raise JsonRpcInvalidParams(f"{RUNS_DATA}: not a file in the workspace: {short(uri)}")
    return await off_loop(ls, _runs, str(inside), uri)


def _merge(path: str, dry_run: bool) -> Wire:
    from workstream.executor import ExecutorError
    from workstream.executor.review import merge_result

    try:
        return Wire(merge_result(path, dry_run=dry_run).to_json())
    except ExecutorError as error:
        raise RunRefused(str(error)) from None


async def merge_json(ls: WorkstreamServer, *arguments: Any) -> Wire:
    """Merge (or with ``dryRun``, show) the last run's result into the current branch."""
    dry_run = False
    if len(arguments) == 2 and isinstance(arguments[1], bool):
        dry_run = arguments[1]
        arguments = arguments[:1]
    elif len(arguments) != 1:
        raise JsonRpcInvalidParams(f"{MERGE_RESULT}: expected [uri, dryRun (true or false)]")
    [uri] = strings(MERGE_RESULT, arguments, URI)
    path = runnable_path(ls.settings.trusted, ls.folders, uri)
    return await off_loop(ls, _merge, str(path), dry_run)


def register(server: WorkstreamServer) -> None:
    """Register the commands."""
    server.command(RUNS_DATA)(runs_json)
    server.command(MERGE_RESULT)(merge_json)
