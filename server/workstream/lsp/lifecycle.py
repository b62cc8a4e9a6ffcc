"""``initialize`` / ``initialized``: read the initialization options into typed settings, and
the workspace folders (kept current by ``workspace/didChangeWorkspaceFolders``).

Invalid options fall back to defaults, visibly: each problem is written to the client's log.
An unclear ``trusted`` value counts as untrusted. ``initialize`` is handled once: a second one
never gets here (:mod:`workstream.lsp.gate`).
"""

from __future__ import annotations

from lsprotocol import types

from workstream.lsp.server import Settings, WorkstreamServer


def initialize(ls: WorkstreamServer, params: types.InitializeParams) -> None:
    """Take the settings from ``initializationOptions``."""
    ls.settings, problems = Settings.from_options(params.initialization_options)
    ls.pending_problems = problems
    ls.folders.reset(params)


def initialized(ls: WorkstreamServer, params: types.InitializedParams) -> None:
    """Report settings problems now that the client listens."""
    for problem in ls.pending_problems:
        ls.log(f"workstream: invalid initialization option: {problem}", types.MessageType.Warning)
    ls.pending_problems = []
    if not ls.folders:
        ls.log("workstream: no workspace folder: runs are disabled until one is open")


def folders_changed(ls: WorkstreamServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    """Folders opened or closed in the client: runs follow them."""
    ls.folders.change(params.event.added or [], params.event.removed or [])


def register(server: WorkstreamServer) -> None:
    """Register the lifecycle handlers."""
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(folders_changed)
