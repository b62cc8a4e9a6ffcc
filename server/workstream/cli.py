"""The command line: ``workstream check | run | status | clean | graph | demo | serve``.

This module only parses arguments and dispatches; each command lives in
``workstream.commands.<name>`` and is imported when used, so ``check`` never loads the
language-server stack (start-up time counts).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workstream import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workstream",
        description="Plan a multi-step code change as a DAG of steps; check it; run it in "
        "parallel git worktrees.",
    )
    parser.add_argument("--version", action="version", version=f"workstream {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    check = sub.add_parser("check", help="validate workstream files and print diagnostics")
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders (default: workstream files below the current one)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    run = sub.add_parser("run", help="run a workstream (or some of its steps)")
    run.add_argument("path", metavar="PATH", nargs="?")
    run.add_argument(
        "--step",
        action="extend",
        nargs="+",
        dest="steps",
        metavar="ID",
        default=[],
        help="run these steps (--step a b, or --step a --step b) and whichever dependencies "
        "lack an up-to-date success",
    )
    run.add_argument("--max-workers", type=int, metavar="N")
    run.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    run.add_argument(
        "--resume", action="store_true", help="skip steps whose last success is still up to date"
    )
    run.add_argument("--keep-worktrees", action="store_true")
    run.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run the steps on a Dask cluster: a scheduler address (tcp://host:8786) or "
        "local:N for N worker processes on this machine (over execution.cluster)",
    )
    run.add_argument(
        "--remote",
        metavar="REMOTE",
        help="with a cluster: the git remote (name or URL) every worker can reach; default: origin",
    )
    run.add_argument("--fail-fast", action="store_true")
    run.add_argument(
        "--progress",
        choices=("auto", "live", "plain"),
        default="auto",
        help="live: a board redrawn in place; plain: one line per event, with heartbeats; "
        "auto (default): live on a terminal that can redraw, plain otherwise (TERM=dumb, "
        "a pipe, a file)",
    )

    status = sub.add_parser("status", help="show the last run of a workstream")
    status.add_argument("path", metavar="PATH")
    status.add_argument("--format", choices=("text", "json"), default="text")

    clean = sub.add_parser("clean", help="remove kept worktrees (and branches) and prune")
    clean.add_argument("path", metavar="PATH", nargs="?")
    clean.add_argument("--id", metavar="ID", help="the workstream by id (its file may be gone)")
    clean.add_argument(
        "--branches", action="store_true", help="also delete its step and result branches"
    )
    clean.add_argument(
        "--list", action="store_true", help="list the workstreams this repository holds"
    )
    clean.add_argument(
        "--force",
        action="store_true",
        help="also remove worktrees whose changes cannot be saved, and branches holding "
        "commits found in no result or other branch",
    )

    graph = sub.add_parser("graph", help="print the DAG with waves and the critical path")
    graph.add_argument("path", metavar="PATH")
    graph.add_argument("--format", choices=("mermaid", "dot", "json"), default="mermaid")

    demo = sub.add_parser("demo", help="run a sample workstream in a scratch git repository")
    demo.add_argument("--keep", action="store_true", help="keep the scratch repository")
    demo.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run each step on a Dask cluster: local:N for N worker processes here, or the "
        "address of a scheduler whose workers run on this machine (they need the stand-in)",
    )

    serve = sub.add_parser("serve", help="start the language server")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        module = importlib.import_module(f"workstream.commands.{args.command}")
    except ModuleNotFoundError as exc:
        if exc.name != f"workstream.commands.{args.command}":
            raise
        print(f"workstream: the '{args.command}' command is not available yet", file=sys.stderr)
        return 2
    try:
        return int(module.main(args))
    except KeyboardInterrupt:
        print("workstream: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
