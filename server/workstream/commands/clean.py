"""``workstream clean``: remove kept worktrees (refusing changed ones unless ``--force``), prune.

Exit 0 when everything was tidied, 1 when a worktree was refused, 2 for bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workstream.commands.run import fail
from workstream.executor import ExecutorError
from workstream.executor.clean import clean
from workstream.executor.target import load_target


def main(args: argparse.Namespace) -> int:
    """Run ``workstream clean``."""
    try:
        target = load_target(Path(args.path), refuse_errors=False)
        report = clean(target, force=args.force)
    except ExecutorError as error:
        return fail(str(error))
    for pgid in report.stopped:
        print(f"stopped process group {pgid} left by an interrupted run")
    for branch, commit in report.saved:
        print(f"saved changes on {branch} ({commit[:12]})")
    for path in report.removed:
        print(f"removed {path}")
    for path, why in report.refused:
        print(f"kept {path}: {why}", file=sys.stderr)
    if not (report.removed or report.refused or report.stopped):
        print("nothing to clean")
    return 1 if report.refused else 0
