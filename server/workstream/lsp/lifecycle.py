"""``initialize`` / ``initialized``: read the initialization options into typed settings.

Invalid options fall back to defaults, visibly: each problem is written to the client's log.
An unclear ``trusted`` value counts as untrusted.
"""

from __future__ import annotations

from lsprotocol import types

from workstream.lsp.server import Settings, WorkstreamServer


def initialize(ls: WorkstreamServer, params: types.InitializeParams) -> None:
    """Take the settings from ``initializationOptions``."""
    ls.settings, problems = Settings.from_options(params.initialization_options)
    ls.pending_problems = problems


def initialized(ls: WorkstreamServer, params: types.InitializedParams) -> None:
    """Report settings problems now that the client listens."""
    for problem in ls.pending_problems:
        ls.log(f"workstream: invalid initialization option: {problem}", types.MessageType.Warning)
    ls.pending_problems = []


def register(server: WorkstreamServer) -> None:
    """Register the lifecycle handlers."""
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
