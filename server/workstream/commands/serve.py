"""``workstream serve``: start the language server on stdio (default) or a TCP address.

The exit code follows LSP: 0 when the client sent ``shutdown`` before ``exit`` (or before
closing the connection), 1 otherwise. (pygls swallows its own ``sys.exit`` code.)
"""

from __future__ import annotations

import argparse
import logging
import sys


def main(args: argparse.Namespace) -> int:
    """Serve until the client says exit; returns the exit code."""
    from workstream.lsp import create_server

    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="workstream-lsp %(levelname)s %(name)s: %(message)s",
    )
    server = create_server()
    if args.tcp:
        host, sep, port = str(args.tcp).rpartition(":")
        if not sep or not port.isdigit():
            print(f"workstream serve: --tcp wants HOST:PORT, not {args.tcp!r}", file=sys.stderr)
            return 2
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    return 0 if server.shutdown_received else 1
