"""The language server face: LSP handlers over the pure core (see :func:`create_server`)."""

from __future__ import annotations

from workstream.lsp.server import WorkstreamServer, create_server

__all__ = ["WorkstreamServer", "create_server"]
