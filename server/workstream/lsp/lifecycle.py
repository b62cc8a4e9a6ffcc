"""``initialize`` / ``initialized``: read the initialization options into typed settings, and
the workspace folders (kept current by ``workspace/didChangeWorkspaceFolders``).

Invalid options fall back to defaults, visibly: each problem is written to the client's log.
An unclear ``trusted`` value counts as untrusted. ``initialize`` is handled once: a second one
never gets here (:mod:`workstream.lsp.gate`).

``workspace/didChangeConfiguration`` with ``{"settings": {"workstream": {"cluster": ...,
"remote": ...}}}`` changes where the next runs go (the way editors send their settings, e.g.
Neovim's ``settings = {workstream = {cluster = "local:2"}}``); the other settings only come
with ``initialize``. A run in progress keeps the cluster it started on.
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


def configuration_changed(ls: WorkstreamServer, params: types.DidChangeConfigurationParams) -> None:
    """The client's settings changed: take ``cluster`` and ``remote`` from their
    ``workstream`` section, when it is there (a notification without it changes nothing)."""
    settings = params.settings
    section = settings.get("workstream") if isinstance(settings, dict) else None
    if not isinstance(section, dict):
        return
    problems: list[str] = []
    ls.settings = ls.settings.with_cluster(section, problems)
    for problem in problems:
        ls.log(f"workstream: invalid setting: {problem}", types.MessageType.Warning)
    where = ls.settings.cluster or "this machine (or the file's execution.cluster)"
    ls.log(f"workstream: runs started from now on go to {where}")


def folders_changed(ls: WorkstreamServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    """Folders opened or closed in the client: runs follow them."""
    ls.folders.change(params.event.added or [], params.event.removed or [])


def register(server: WorkstreamServer) -> None:
    """Register the lifecycle handlers."""
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(folders_changed)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(configuration_changed)
