"""``workstream clean``: remove kept worktrees (refusing changed ones unless ``--force``), prune.

``PATH`` or ``--id ID`` (when the file is gone) names the workstream; ``--branches`` also
deletes its step and result branches; ``--list`` lists the workstreams this repository holds
state, worktrees or branches for. After a cluster run, the refs it left on its remote and its
relay repository go too. Exit 0 when everything was tidied, 1 when a worktree or a branch was
kept (or a cluster run's remote could not be reached), 2 for bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workstream.commands.run import fail
from workstream.executor import ExecutorError
from workstream.executor.clean import CleanReport, clean, target_for_id
from workstream.executor.inventory import holdings
from workstream.executor.target import load_target


def main(args: argparse.Namespace) -> int:
    """Run ``workstream clean``."""
    if args.list:
        if args.path or args.id or args.branches or args.force:
            return fail("clean --list takes no PATH, --id, --branches or --force")
        return _list()
    if bool(args.path) == bool(args.id):
        return fail("clean needs a workstream: PATH or --id ID (clean --list shows them)")
    try:
        if args.id:
            target = target_for_id(args.id, Path.cwd())
        else:
            target = load_target(Path(args.path), refuse_errors=False)
        report = clean(target, force=args.force, branches=args.branches)
    except ExecutorError as error:
        return fail(str(error))
    return _print(report)


def _list() -> int:
    try:
        held = holdings(Path.cwd())
    except ExecutorError as error:
        return fail(str(error))
    cwd = Path.cwd()
    for entry in held:
        print(entry.line(cwd))
    if not held:
        print("this repository holds no workstream state, worktrees or branches")
    return 0


def _print(report: CleanReport) -> int:
    for pgid in report.stopped:
        print(f"stopped process group {pgid} left by an interrupted run")
    for branch, commit in report.saved:
        print(f"saved changes on {branch} ({commit[:12]})")
    for path in report.removed:
        print(f"removed {_shown(path)}")
    for folder in report.folders:
        print(f"removed the empty folder {_shown(folder)}")
    for branch, commit in report.branches.deleted:
        print(f"deleted {branch} (was {commit[:12]})")
    if report.branches.deleted:
        print("(git branch <branch> <commit> brings one back)")
    if report.remote_refs:
        count = len(report.remote_refs)
        print(f"deleted {count} ref{'s' * (count != 1)} a cluster run left on {report.remote}")
    if report.relay is not None:
        print(f"removed the relay repository {_shown(report.relay)}")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for finding in report.found:
        print(f"the interrupted run, after it stopped: {finding}", file=sys.stderr)
    for path, why in report.refused:
        print(f"kept {_shown(path)}: {why}", file=sys.stderr)
    for branch, why in report.branches.kept:
        print(f"kept {branch}: {why}", file=sys.stderr)
    did = bool(report.removed or report.stopped or report.branches.deleted or report.folders)
    did = did or bool(report.remote_refs) or report.relay is not None
    kept = bool(report.refused or report.branches.kept or report.found or report.warnings)
    if not (did or kept):
        print("nothing to clean")
    return 1 if kept else 0


def _shown(path: Path) -> Path:
    """``path`` relative to the current folder when below it (``.git/workstream/…``)."""
    cwd = Path.cwd()
    return path.relative_to(cwd) if path.is_relative_to(cwd) else path
