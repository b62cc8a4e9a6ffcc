"""``workstream status``: the last run of a workstream, from its state file.

``--format json`` prints the run (``run_id``, ``workstream_id``, ``status``, ``message``,
``started_at``, ``finished_at``, ``requested`` — the ``--step`` ids, empty for a full run —,
``base_commit``, ``result_branch``, ``result_commit``, ``result_note`` — why there is no
result branch, or why it was not moved —, ``cluster`` — the Dask cluster its steps ran on,
null for this machine — and ``remote`` — the git remote a cluster run went through, or null)
and ``steps``: per step its ``status``,
``duration_ms``, ``commit``, ``branch``, ``log``, ``transcript`` (an AI tool's conversation, or
null), ``message``, ``run_id``, ``reason``, ``saved_commit`` (a failed step's changes),
``worktree``, ``depends_on``, ``candidates``, ``freshness`` (``"this run"``, ``"earlier run"``
or ``"stale"``) and ``stale`` (why, or null). ``candidates`` is empty but for a step with
candidates: per candidate its ``n`` (from 1), ``label`` (what it changes), ``status``,
``branch`` (where its work is kept), ``commit`` (a passing one's), ``saved_commit``, ``score``,
``selected``, ``message``, ``reason``, ``started_at``, ``finished_at``, ``duration_ms``,
``log``, ``transcript`` (an AI tool's conversation) and ``worktree`` (a kept one).

Exit codes: 0 when the last run succeeded, 1 when it failed or was cancelled or there is no
run yet, 2 for bad input (a state file that cannot be read).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from workstream.commands.layout import printable
from workstream.commands.run import fail, summary_table
from workstream.executor import ExecutorError, load_state
from workstream.executor.freshness import freshness, stale_reasons
from workstream.executor.state import RunState


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
        json.dump(status_json(state), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_status(state, Console(highlight=False))
    return 0 if state.status == "succeeded" else 1


def status_json(state: RunState) -> dict[str, Any]:
    """Exactly the object ``workstream status --format json`` prints."""
    data = state.status_json()
    fresh = freshness(state)
    stale = stale_reasons(state)
    for step_id, entry in data["steps"].items():
        entry["freshness"] = fresh[step_id]
        entry["stale"] = stale.get(step_id)
    return data


def candidate_lines(step_id: str, candidates: list[dict[str, Any]]) -> list[str]:
    """One line per candidate of a step: what it changed, how it ended, where its work is."""
    lines = []
    for c in candidates:
        score = f", score {c['score']:g}" if isinstance(c.get("score"), int | float) else ""
        chosen = ", chosen" if c.get("selected") else ""
        kept = c.get("commit") or c.get("saved_commit")
        where = f" on {c.get('branch')} ({str(kept)[:12]})" if kept else ""
        lines.append(
            f"{step_id}: candidate {c.get('n')} ({c.get('label')}): {c.get('status')}"
            f"{score}{chosen}{where}"
        )
        if c.get("worktree") and c.get("status") != "running":
            lines.append(f"{step_id}: candidate {c.get('n')}: worktree kept at {c['worktree']}")
    return lines


def print_status(state: RunState, console: Console) -> None:
    """The text form: the table, then where each entry comes from, the base and the result."""
    console.print(summary_table(state, tuple(state.steps), details=True))
    for step_id, entry in state.steps.items():
        if entry.transcript:
            console.print(f"{step_id}: transcript {entry.transcript}", soft_wrap=True)
        for line in candidate_lines(step_id, entry.candidates):
            console.print(printable(line), soft_wrap=True, markup=False)
    fresh = freshness(state)
    if state.requested:
        ran = [s for s, f in fresh.items() if f == "this run"]
        console.print(
            f"run {state.run_id} ran only {', '.join(ran) or 'nothing'} "
            f"(--step {' '.join(state.requested)})",
            soft_wrap=True,
        )
    earlier = [s for s, f in fresh.items() if f == "earlier run"]
    if earlier:
        runs = sorted({state.steps[s].run_id for s in earlier})
        console.print(
            f"from an earlier run ({', '.join(runs)}), up to date: {', '.join(earlier)}",
            soft_wrap=True,
        )
    for step_id, why in stale_reasons(state).items():
        console.print(f"{step_id}: {printable(why)}", soft_wrap=True)
    if state.message:
        prefix = "this run: " if state.requested else ""
        console.print(f"{prefix}{printable(state.message)}", soft_wrap=True)
    if state.cluster:
        through = f", through the git remote {state.remote}" if state.remote else ""
        line = printable(f"ran on the Dask cluster {state.cluster}{through}")
        console.print(line, soft_wrap=True, markup=False)
    if state.base_commit:
        console.print(f"base: {state.base_commit[:12]}")
    if state.result_branch:
        console.print(f"result: branch {state.result_branch} ({(state.result_commit or '')[:12]})")
    else:
        note = state.result_note or state.default_result_note()
        if note and note != state.message:
            console.print(f"result: {printable(note)}", soft_wrap=True)
