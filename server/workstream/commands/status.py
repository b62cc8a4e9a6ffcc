"""``workstream status``: the last run of a workstream, from its state file.

``--format json`` prints exactly ``{"run_id", "workstream_id", "status", "steps": {"<id>":
{"status", "duration_ms", "commit", "branch", "log", "transcript", "message"}}}``
(``transcript``: an AI tool's conversation, or null). Exit 0 when the last run
succeeded, 1 when it did not (or there is none), 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from workstream.commands.run import fail, summary_table
from workstream.executor import ExecutorError, load_state


def main(args: argparse.Namespace) -> int:
    """Run ``workstream status``."""
    try:
        state = load_state(Path(args.path))
    except ExecutorError as error:
        return fail(str(error))
    if state is None:
        if args.format == "json":
            print("null")
        print(f"workstream: {args.path}: no run yet", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(state.status_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        console = Console(highlight=False)
        console.print(summary_table(state, tuple(state.steps)))
        for step_id, entry in state.steps.items():
            if entry.transcript:
                console.print(f"{step_id}: transcript {entry.transcript}", soft_wrap=True)
        if state.message:
            console.print(state.message)
        if state.result_branch:
            console.print(
                f"result: branch {state.result_branch} ({(state.result_commit or '')[:12]})"
            )
    return 0 if state.status == "succeeded" else 1
