"""After a runner died (even by SIGKILL): stop what it left running, save the work it left.

The next ``run``, ``run --resume``, ``status`` or ``clean`` calls :func:`recover` while it
holds the run lock (so the runner is really gone) and before anything else. Processes such a
runner left behind are stopped, but only after checking they still run inside that step's
worktree (a process id may have been reused since). The worktree of a step that was running
holds its interrupted work: it is committed on the step branch (parent: the step's start
point, which the state file records as soon as the worktree exists), then the worktree is
kept like a failed step's, so nothing is lost and ``clean`` can remove it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError
from workstream.executor.orphans import stop_marked
from workstream.executor.process import group_alive, stop_group
from workstream.executor.state import INTERRUPTED, RunState, StepState
from workstream.executor.target import Target
from workstream.executor.worktrees import registered, reset_admin, safe_save


@dataclass(slots=True)
class Recovery:
    """What :func:`recover` did."""

    stopped: list[int] = field(default_factory=list)  # process groups
    saved: list[tuple[str, str]] = field(default_factory=list)  # (branch, commit)
    problems: list[str] = field(default_factory=list)


def recover(state: RunState, target: Target, repo: Git, grace: float) -> Recovery:
    """Stop a dead run's processes, save its interrupted work, mark it interrupted (in memory).

    Does nothing for a finished run. The caller holds the lock and writes the state after.
    """
    report = Recovery()
    if state.finished:
        return report
    report.stopped.extend(stop_leftovers(state, target, grace))
    running = {
        step_id: entry
        for step_id, entry in state.steps.items()
        if entry.status == "running" and entry.run_id == state.run_id
    }
    candidates = {  # each running candidate's worktree holds interrupted work of its own
        step_id: [dict(c) for c in entry.candidates if c.get("status") == "running"]
        for step_id, entry in running.items()
    }
    state.mark_interrupted()
    for step_id, entry in running.items():
        for record in candidates[step_id]:
            _save_candidate(state, target, repo, step_id, entry, record, report)
        if entry.candidates and not entry.worktree:
            continue  # its candidates had the worktrees
        path = Path(entry.worktree) if entry.worktree else target.worktree_root / step_id
        branch = entry.branch or f"workstream/{state.workstream_id}/step/{step_id}"
        saved = _save_one(
            state, target, repo, step_id, step_id, path, entry.start_commit,
            entry.environment, branch, report,
        )  # fmt: skip
        if saved is None:
            continue
        entry.worktree, entry.kept_commit = str(saved[0]), saved[1] or entry.kept_commit
    return report


def _save_candidate(
    state: RunState,
    target: Target,
    repo: Git,
    step_id: str,
    entry: StepState,
    record: dict[str, Any],
    report: Recovery,
) -> None:
    """A candidate that was running: its interrupted work on its candidate branch (and a
    saved branch of its own), its entry in the state saying so."""
    n = int(record["n"])
    name = f"{step_id}@{n}"
    path = Path(record["worktree"]) if record.get("worktree") else target.worktree_root / name
    branch = record.get("branch") or f"workstream/{state.workstream_id}/candidate/{step_id}/{n}"
    saved = _save_one(
        state, target, repo, step_id, name, path, record.get("start_commit"),
        tuple(record.get("environment") or ()), branch, report,
    )  # fmt: skip
    live = entry.candidates[n - 1] if 0 < n <= len(entry.candidates) else None
    if live is None:
        return
    live.update(status="cancelled", message=INTERRUPTED, pid=None, token="")
    if saved is not None:
        live["worktree"] = str(saved[0])
        live["saved_commit"] = saved[1] or live.get("saved_commit")


def _save_one(
    state: RunState,
    target: Target,
    repo: Git,
    step_id: str,
    name: str,
    path: Path,
    start: str | None,
    environment: tuple[str, ...],
    branch: str,
    report: Recovery,
) -> tuple[Path, str | None] | None:
    """The interrupted work in one worktree (a step's or a candidate's ``name``) committed on
    ``branch`` and on ``workstream/<id>/saved/<name>-<time>``; where the worktree is kept now
    and the commit (None: nothing to save), or None when there was no worktree or it failed."""
    if not path.is_dir() or not registered(repo, path):
        return None
    scratch = target.state_dir.root / "scratch" / f"recover-{name}"
    commit, error = safe_save(
        repo,
        path,
        start,
        frozenset(environment),
        scratch,
        f"workstream: interrupted work of {name}\n\n{INTERRUPTED}\n\nRun: {state.run_id}\n",
        target.model.bookkeeping(step_id),
    )
    if error is not None:
        report.problems.append(f"{name}: its interrupted work could not be saved: {error}")
        return None
    at = commit or start
    if at is not None:
        _settle(repo, path, at)  # what the step rewrote in its admin files is undone
    kept = _unpool(repo, path, target.worktree_root / name)
    if commit is None:
        return kept, None
    if f"refs/heads/{branch}" in repo.checked_out():
        report.problems.append(f"{name}: saved as {commit[:12]}; {branch} is checked out")
    else:
        repo.set_branch(branch, commit, f"workstream: interrupted work of {name}")
    # The step branch moves when the step runs again (run --resume): the interrupted work,
    # and whatever someone added to the kept worktree before, stays on a branch of its own.
    saved = f"workstream/{state.workstream_id}/saved/{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    repo.set_branch(saved, commit, f"workstream: interrupted work of {name}")
    report.saved.append((saved, commit))
    return kept, commit


def _settle(repo: Git, path: Path, commit: str) -> None:
    """Leave an interrupted step's kept worktree at ``commit``, its admin files reset: a step
    that redirected its ``commondir`` or wrote a ``config.worktree`` (a ``core.fsmonitor``)
    must not have it run by the user's next git command there."""
    try:
        admin = repo.admin_dir(path)
        reset_admin(admin, path, commit)
        repo.on(path, admin / "index").run("read-tree", "--reset", commit)
    except (GitError, OSError):
        pass  # kept as it is; its changes are saved already


def _unpool(repo: Git, path: Path, at: Path) -> Path:
    """A pooled worktree (``.pool-<n>``) an interrupted step held is kept like a fresh one:
    git moves it to the step's own place when that is free. Where it is now."""
    if not path.name.startswith(".pool-") or at.exists() or at.is_symlink():
        return path
    try:
        repo.move_worktree(path, at)
    except GitError:
        return path
    return at


def stop_leftovers(state: RunState, target: Target, grace: float) -> list[int]:
    """Stop what a dead runner's steps left running: each command's process group when it
    still runs in the step's worktree, and every process with the command's marker (a
    ``setsid`` daemon left the group, but not its environment)."""
    stopped: list[int] = []
    for step_id, entry in state.steps.items():
        if entry.status != "running":
            continue
        default = target.worktree_root / step_id
        _stop_one(entry.pid, entry.token, entry.worktree, default, grace, stopped)
        entry.pid, entry.token = None, ""
        for record in entry.candidates:  # each candidate's command, recorded on its entry
            pid = record.get("pid")
            default = target.worktree_root / f"{step_id}@{record.get('n')}"
            _stop_one(
                pid if isinstance(pid, int) else None,
                str(record.get("token") or ""),
                record.get("worktree"),
                default,
                grace,
                stopped,
            )
            record.update(pid=None, token="")
    return stopped


def _stop_one(
    pid: int | None,
    token: str,
    worktree: str | None,
    default: Path,
    grace: float,
    stopped: list[int],
) -> None:
    """One command's process group when it still runs in its worktree, and every process
    carrying its marker."""
    here = Path(worktree) if worktree else default
    if pid is not None and group_alive(pid) and _runs_in(pid, here):
        stop_group(pid, grace)
        stopped.append(pid)
    found = stop_marked(token, grace) if token else 0
    if found and pid is not None and pid not in stopped:
        stopped.append(pid)  # reported by the group the daemons came from


def _runs_in(pgid: int, worktree: Path) -> bool:
    """True when a process of group ``pgid`` has its working directory in ``worktree``."""
    proc = Path("/proc")
    if not proc.is_dir():
        return False  # cannot verify: better to leave a process than to kill a stranger
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == worktree or worktree in cwd.parents:
            return True
    return False


def save_kept(state: RunState, target: Target, repo: Git, steps: Iterable[str]) -> list[str]:
    """Before a run replaces kept worktrees: save what was changed in them since, say where.

    Edits and commits someone made in a kept worktree go on a branch
    ``workstream/<id>/saved/<step>-<time>``; the sentences name them.
    """
    notes: list[str] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for step_id in steps:
        entry = state.steps.get(step_id)
        if entry is None or not entry.worktree:
            continue
        path = Path(entry.worktree)
        if not path.is_dir() or not registered(repo, path):
            continue
        made = ignored_made_since(repo, path, entry.finished_at) if entry.finished_at else []
        if made:
            shown = ", ".join(made[:5]) + (f" and {len(made) - 5} more" if len(made) > 5 else "")
            raise ExecutorError(
                f"the kept worktree {path} holds files git ignores that appeared after its "
                f"step ended ({shown}), which no branch can keep and this run would remove; "
                "move them, or remove the worktree with `workstream clean --force`"
            )
        scratch = target.state_dir.root / "scratch" / f"kept-{step_id}"
        base = entry.kept_commit or entry.start_commit
        commit, error = safe_save(
            repo,
            path,
            base,
            frozenset(entry.environment),
            scratch,
            f"workstream: changes made in the kept worktree of {step_id}\n",
            target.model.bookkeeping(step_id),
        )
        if error is not None:
            raise ExecutorError(
                f"the kept worktree {path} has changes that could not be saved ({error}); "
                f"save them yourself, then run `workstream clean --force`"
            )
        if commit is not None:
            branch = f"workstream/{state.workstream_id}/saved/{step_id}-{stamp}"
            repo.set_branch(
                branch, commit, f"workstream: changes in the kept worktree of {step_id}"
            )
            entry.kept_commit = commit
            notes.append(f"changes made in the kept worktree of {step_id!r} are saved on {branch}")
    return notes


#: Ignored files of a kept worktree looked at for ones made after its step (a huge
#: node_modules is not walked past this many).
_IGNORED_LIMIT = 200_000


def ignored_made_since(repo: Git, path: Path, since: float) -> list[str]:
    """Ignored files of a kept worktree written after ``since`` (its step's end): someone
    made them there since (a ``.env`` while inspecting it); a save cannot keep them, since git
    ignores them, so removing the worktree would lose them."""
    code, out, _ = repo.on(path).call(
        "ls-files", "-z", "--others", "--ignored", "--exclude-standard"
    )
    if code != 0:
        return []
    made: list[str] = []
    for rel in out.split("\0")[:_IGNORED_LIMIT]:
        if not rel:
            continue
        try:
            changed = os.lstat(path / rel).st_mtime
        except OSError:
            continue
        if changed > since + 1:  # a second of slack for coarse file-system clocks
            made.append(rel)
    return made
