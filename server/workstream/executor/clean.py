"""``workstream clean``: remove the worktrees runs kept, after saving anything added since.

First what a dead runner left is recovered (:mod:`recovery`). Then each worktree of ours
(registered with git, inside this workstream's marked worktree folder) is compared with what
the run left in it; changes made since (edits, commits) are saved on a branch
``workstream/<id>/saved/<step>-<time>`` before git removes the worktree, so nothing is lost.
Anything else in the folder is left alone and named. The folder itself goes once it is empty,
and so do the empty parents the executor made for it (:func:`release_root`).

The worktree folders are the file's ``execution.worktree_dir`` and any other marked folder of
this repository the state file or git's worktree list places this workstream's worktrees in
(``worktree_dir`` may have changed since, or the file may be gone: :func:`target_for_id`
builds a target from the workstream id alone). With ``branches`` the step and result
branches go too (:mod:`branches`: only the executor's own, never one in use, never one
holding commits found nowhere else unless ``force``).

When the last run was a cluster run, the refs runs of this workstream made from this
repository left on its git remote (``refs/workstream/<id>/<run>/…``, which a run deletes at
its end but a killed runner leaves; only runs this repository knows, so never those of a run
started from another clone of a shared remote) go too, and so does the relay repository a
``local:N`` run without a remote made (:mod:`cluster_refs`). A remote that cannot be reached
is a warning: the rest is cleaned.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from workstream.analysis import analyze
from workstream.analysis.ids import ref_problem
from workstream.executor.baseline import check_dead_run
from workstream.executor.branches import BranchReport, delete_branches, workstream_branches
from workstream.executor.cluster_refs import (
    REF_ROOT,
    delete_refs,
    relay_path,
    remote_refs,
    remove_relay,
)
from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError
from workstream.executor.recovery import ignored_made_since, recover
from workstream.executor.state import RunState, StateDir, StepState
from workstream.executor.target import Target, find_repository, target_git
from workstream.executor.worktrees import MARKER, owned, release_root, safe_save


@dataclass(slots=True)
class CleanReport:
    """What ``clean`` did."""

    removed: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    saved: list[tuple[str, str]] = field(default_factory=list)  # (branch, commit)
    stopped: list[int] = field(default_factory=list)  # process groups
    branches: BranchReport = field(default_factory=BranchReport)
    folders: list[Path] = field(default_factory=list)  # empty folders removed
    found: list[str] = field(default_factory=list)  # what the dead run's steps changed
    remote: str | None = None  # the cluster run's git remote whose refs were looked at
    remote_refs: list[str] = field(default_factory=list)  # deleted there
    relay: Path | None = None  # the relay repository removed
    warnings: list[str] = field(default_factory=list)  # e.g. an unreachable remote


def clean(
    target: Target, *, force: bool = False, branches: bool = False, grace: float = 2.0
) -> CleanReport:
    """Remove this workstream's kept worktrees and prune; raise if a run is in progress."""
    report = CleanReport()
    ws_id = target.model.id
    check_id(ws_id, "the workstream id")  # before the state folder it names is touched
    existed = target.state_dir.root.is_dir()
    with target.state_dir.lock() as acquired:
        if not acquired:
            raise ExecutorError(f"a run of {ws_id!r} is in progress; cancel it first")
        repo = target_git(target)
        state = target.state_dir.read()
        if state is not None and not state.finished:
            recovery = recover(state, target, repo, grace)
            report.stopped.extend(recovery.stopped)
            report.saved.extend(recovery.saved)
            report.found.extend(check_dead_run(state, target, repo))
        repo.prune()
        for root in worktree_roots(repo, target, state):
            _clean_root(repo, target, root, state, force, report)
        if state is not None:
            target.state_dir.write(state)
        if branches:
            recorded = state.result_commit if state is not None else None
            report.branches = delete_branches(repo, ws_id, force=force, recorded_result=recorded)
        relay = relay_path(target.state_dir.root)
        gone = state is not None and state.remote == str(relay) and not relay.exists()
        if state is not None and state.remote and not gone:  # a gone relay holds no ref
            runs = None if state.remote == str(relay) else _our_runs(target, state)  # relay: ours
            _clean_remote(repo, ws_id, state.remote, runs, report)
        if relay.is_dir():
            try:
                remove_relay(target.state_dir.root)
            except OSError as exc:
                report.warnings.append(f"could not remove the relay repository: {exc}")
            if not relay.exists():
                report.relay = relay
    _tidy_state_dir(target.state_dir, existed)
    return report


def _clean_remote(
    repo: Git, ws_id: str, remote: str, runs: set[str] | None, report: CleanReport
) -> None:
    """Delete the refs the ``runs`` of ``ws_id`` this repository made left under
    ``refs/workstream/<id>/<run>/`` on the cluster run's ``remote`` (a killed runner's;
    nothing else there is touched: not the refs of a run someone else started from another
    clone of a shared remote; ``runs`` None: every run's). A remote that cannot be reached,
    or refuses, is a one-line warning."""
    report.remote = remote
    prefix = f"{REF_ROOT}/{ws_id}/"
    if remote.startswith("-"):  # a state file that says so: git would take it for an option
        report.warnings.append(f"the state names the remote {remote!r}, not a URL: left alone")
        return
    try:
        ours = [
            ref
            for ref in remote_refs(repo, remote, prefix)
            if runs is None or ref[len(prefix) :].split("/", 1)[0] in runs
        ]
        report.remote_refs = delete_refs(repo, remote, ours)
    except ExecutorError as exc:  # GitError included
        report.warnings.append(
            f"could not delete the refs under {prefix} on {remote}: {_why(repo, exc)}"
            " (run clean again once it can be reached)"
        )


def _our_runs(target: Target, state: RunState) -> set[str]:
    """The runs this repository made that it knows of: the last one, and each whose logs
    are kept (the logs of the last :data:`~workstream.executor.logs.KEEP_RUN_LOGS`)."""
    runs = {state.run_id}
    with contextlib.suppress(OSError):
        runs |= {p.name for p in target.state_dir.logs.iterdir() if p.is_dir()}
    return runs


def _why(repo: Git, error: ExecutorError) -> str:
    """git's complaint about the remote ("'…' does not appear to be a git repository",
    "Could not resolve hostname …"), without the command that made it."""
    where = f" failed in {repo.work_tree or repo.git_dir}: "
    reason = str(error).partition(where)[2] or str(error)
    for prefix in ("fatal: ", "error: "):
        reason = reason.removeprefix(prefix)
    return reason


def _tidy_state_dir(state_dir: StateDir, existed: bool) -> None:
    """Remove the empty scratch folders clean made, and the state folder if clean made it
    (``--id`` of a workstream that had only branches or worktrees): its lock file, then the
    folder, only if nothing else is in it."""
    scratch = state_dir.root / "scratch"
    for folder in sorted(scratch.glob("clean-*")) if scratch.is_dir() else ():
        with contextlib.suppress(OSError):
            folder.rmdir()
    with contextlib.suppress(OSError):
        scratch.rmdir()
    if existed or state_dir.state_file.exists():
        return
    with contextlib.suppress(OSError):
        if {p.name for p in state_dir.root.iterdir()} == {state_dir.lock_file.name}:
            state_dir.lock_file.unlink()
        state_dir.root.rmdir()


def worktree_roots(repo: Git, target: Target, state: RunState | None) -> list[Path]:
    """Every marked folder of this repository that holds (or held) this workstream's worktrees."""
    roots = [target.worktree_root]
    entries = state.steps.values() if state is not None else ()
    candidates = [Path(e.worktree).parent for e in entries if e.worktree]
    candidates += [w.path.parent for w in repo.worktrees()]
    for root in candidates:
        if root.name == target.model.id and root not in roots and owned(root, target.git_dir):
            roots.append(root)
    return roots


def _clean_root(
    repo: Git,
    target: Target,
    root: Path,
    state: RunState | None,
    force: bool,
    report: CleanReport,
) -> None:
    if not (root.is_dir() and not root.is_symlink() and owned(root, target.git_dir)):
        return
    registered = {w.path: w for w in repo.worktrees()}
    for path in sorted(root.iterdir()):
        if path.name == MARKER:
            continue
        if path not in registered:
            report.refused.append((path, "not a worktree workstream made; left alone"))
            continue
        name, entry = _holder(state, path)
        base = (entry.kept_commit if entry is not None else None) or registered[path].head
        if _clean_one(repo, target, path, name, entry, base, force, report):
            if entry is not None:
                entry.worktree = None
                entry.kept_commit = None
            _forget_candidate(state, path)
    repo.prune()
    report.folders.extend(release_root(root, target.git_dir))


def _holder(state: RunState | None, path: Path) -> tuple[str, StepState | None]:
    """The step a kept worktree was left by, and the name its saved branch takes: the entry
    whose worktree it is (a pooled ``.pool-<n>`` is named after no step), else the step named
    like the folder; without either, the folder's name without leading dots (a ref name
    component may not start with one)."""
    steps = state.steps if state is not None else {}
    for step_id, entry in steps.items():
        if entry.worktree == str(path):
            return step_id, entry
    named = steps.get(path.name)
    return (path.name, named) if named is not None else (path.name.lstrip(".") or "worktree", None)


def _forget_candidate(state: RunState | None, path: Path) -> None:
    """A candidate's kept worktree (``<step>@<n>``) is gone: its entry says so."""
    step_id, at, n = path.name.rpartition("@")
    entry = state.steps.get(step_id) if state is not None and at else None
    for candidate in entry.candidates if entry is not None else ():
        if str(candidate.get("n")) == n and candidate.get("worktree") == str(path):
            candidate["worktree"] = None


def _clean_one(
    repo: Git,
    target: Target,
    path: Path,
    name: str,
    entry: StepState | None,
    base: str | None,
    force: bool,
    report: CleanReport,
) -> bool:
    environment = frozenset(entry.environment) if entry is not None else frozenset()
    since = entry.finished_at if entry is not None else None
    made = ignored_made_since(repo, path, since) if since is not None else []
    if made and not force:
        shown = ", ".join(made[:5]) + (f" and {len(made) - 5} more" if len(made) > 5 else "")
        report.refused.append(
            (
                path,
                f"it holds files git ignores that appeared after its step ended ({shown}), "
                "which no branch can keep; move them, or use --force",
            )
        )
        return False
    scratch = target.state_dir.root / "scratch" / f"clean-{path.name}"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    commit, error = safe_save(
        repo,
        path,
        base,
        environment,
        scratch,
        f"workstream: changes in {path} saved by clean\n",
        target.model.bookkeeping(name),
    )
    if error is not None and not force:
        report.refused.append((path, f"its changes could not be saved ({error}); use --force"))
        return False
    if commit is not None:
        branch = f"workstream/{target.model.id}/saved/{name}-{stamp}"
        repo.set_branch(branch, commit, "workstream clean: changes made in a kept worktree")
        report.saved.append((branch, commit))
    try:
        repo.remove_worktree(path)
    except GitError as exc:
        report.refused.append((path, f"git could not remove it: {exc}"))
        return False
    report.removed.append(path)
    return True


def check_id(ws_id: str, what: str = "--id") -> None:
    """Refuse an id that is not one component of a branch name (``../x``, ``a/b``, ``-x``):
    the state folder is ``<git dir>/workstream/<id>``, so such an id would lead elsewhere."""
    problem = ref_problem(ws_id) if ws_id else "it is empty"
    if problem is not None:
        raise ExecutorError(
            f"{what} {ws_id!r} is not a workstream id: {problem} (use letters, digits, '-', "
            "'_' and '.'; no '/' and no '..')"
        )


def target_for_id(ws_id: str, start: Path) -> Target:
    """A target for a workstream known only by its id (its file may be gone).

    Its worktree folders are found as :func:`worktree_roots` finds them; a tool's bookkeeping
    is unknown, so ``clean`` saves it with any other change. Raises when this repository holds
    no state, worktree or branch of that id.
    """
    check_id(ws_id)
    repo_root, git_dir = find_repository(start)
    state_dir = StateDir(git_dir / "workstream" / ws_id)
    analysis = analyze('{"id": ' + f'"{ws_id}"' + ', "steps": [{"id": "-"}]}')
    assert analysis.model is not None
    target = Target(repo_root / "-", analysis, analysis.model, repo_root, git_dir, state_dir)
    repo = target_git(target)
    known = state_dir.root.is_dir() or workstream_branches(repo, ws_id)
    if not known and len(worktree_roots(repo, target, None)) == 1:
        raise ExecutorError(
            f"this repository holds no workstream {ws_id!r}: no state, worktrees or branches "
            "(workstream clean --list shows the ones it holds)"
        )
    return target
