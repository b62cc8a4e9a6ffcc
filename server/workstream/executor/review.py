"""Review a workstream's runs and merge a run's result: what the editor's runs view shows.

:func:`runs_data` is the executor's state (what ``workstream status --format json`` reads) in
the shape a client shows as a tree: per step its status, duration, commit, branch, start point,
log, transcript and kept worktree, and its candidates with the same and their score and
selection (:mod:`candidate_review`); per run its base and result commits.

:func:`merge_result` merges the last run's result commit into the branch checked out in the
user's repository with ``git merge --no-ff``, the way a person would, after refusing when that
cannot be done cleanly: no result, a detached HEAD, uncommitted changes to tracked files, or a
merge, rebase, cherry-pick or revert in progress. A refusal changes nothing. With ``dry_run``
it only says what would be merged: the commits (``HEAD..result``) and the files (the diff from
the merge base). A merge that conflicts is aborted, leaving the tree as it was. git runs inert
here too (no hooks, no fsmonitor, no signing: see :mod:`workstream.executor.gitops`).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workstream.executor.candidate_review import candidate_rows
from workstream.executor.errors import ExecutorError
from workstream.executor.freshness import freshness, stale_reasons
from workstream.executor.gitops import INERT_CONFIG, Git, _no_hooks_dir, clean_env, identity_env
from workstream.executor.target import load_target

#: Files under the git dir that mean an operation is half done.
IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or git am",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
}
MAX_LISTED = 200  # commits and files listed in a plan (the counts are exact)


class MergeRefused(ExecutorError):
    """The result cannot be merged now; nothing was changed."""


def runs_data(path: Path | str) -> dict[str, Any]:
    """The workstream at ``path``, its steps (in file order, then any that left the file) with
    the latest entry of each, and its last run (None before the first run)."""
    from workstream.executor.engine import load_state  # engine imports much: only when used

    target = load_target(path, refuse_errors=False)
    state = load_state(target.file)
    entries = {} if state is None else state.steps
    order = [step.id for step in target.model.steps]
    order += [step_id for step_id in entries if step_id not in order]
    fresh = {} if state is None else freshness(state)
    stale = {} if state is None else stale_reasons(state)
    steps = []
    for step_id in order:
        entry = entries.get(step_id)
        worktree = None if entry is None else entry.worktree
        steps.append(
            {
                "id": step_id,
                "inFile": step_id in {s.id for s in target.model.steps},
                "status": None if entry is None else entry.status,
                "durationMs": None if entry is None else entry.duration_ms,
                "commit": None if entry is None else entry.commit,
                "savedCommit": None if entry is None else entry.saved_commit,
                "branch": None if entry is None else entry.branch,
                "startCommit": None if entry is None else entry.start_commit,
                "log": None if entry is None else entry.log,
                "transcript": None if entry is None else entry.transcript,
                "worktree": worktree if worktree and Path(worktree).is_dir() else None,
                "message": "" if entry is None else entry.message,
                "runId": None if entry is None else entry.run_id,
                "freshness": fresh.get(step_id),
                "stale": stale.get(step_id),
                "candidates": candidate_rows(
                    target.model.step(step_id), [] if entry is None else entry.candidates
                ),
            }
        )
    run = None
    if state is not None:
        run = {
            "runId": state.run_id,
            "status": state.status,
            "message": state.message,
            "startedAt": state.started_at,
            "finishedAt": state.finished_at,
            "baseCommit": state.base_commit,
            "resultBranch": state.result_branch,
            "resultCommit": state.result_commit,
            "resultNote": state.result_note or state.default_result_note(),
        }
    return {
        "file": str(target.file),
        "workstreamId": target.model.id,
        "repoRoot": str(target.repo_root),
        "steps": steps,
        "run": run,
    }


@dataclass(slots=True)
class MergePlan:
    """What merging a run's result into the current branch does (or did)."""

    workstream_id: str
    run_id: str
    repo_root: str
    branch: str  # the user's current branch (short name)
    head: str
    result_commit: str
    result_branch: str | None
    base_commit: str | None
    commits: list[dict[str, str]] = field(default_factory=list)  # newest first: sha, subject
    commit_count: int = 0
    files: list[dict[str, str]] = field(default_factory=list)  # status (A/M/D/R...), path
    file_count: int = 0
    already_merged: bool = False
    merged_commit: str | None = None  # after a real merge

    def to_json(self) -> dict[str, Any]:
        """The plan as a client reads it (camelCase, like the other editor commands)."""
        return {
            "workstreamId": self.workstream_id,
            "runId": self.run_id,
            "repoRoot": self.repo_root,
            "branch": self.branch,
            "head": self.head,
            "resultCommit": self.result_commit,
            "resultBranch": self.result_branch,
            "baseCommit": self.base_commit,
            "commits": self.commits,
            "commitCount": self.commit_count,
            "files": self.files,
            "fileCount": self.file_count,
            "alreadyMerged": self.already_merged,
            "mergedCommit": self.merged_commit,
        }


def _git(root: Path) -> Git:
    """git on the user's work tree as checked out (its own HEAD, also in a linked worktree)."""
    env = clean_env()
    probe = Git(Path(_git_dir(root, env)), root, env)
    return Git(probe.git_dir, root, {**env, **identity_env(probe)})


def _git_dir(root: Path, env: dict[str, str]) -> str:
    """The git dir of the work tree at ``root`` (a linked worktree has its own)."""
    prefix = ["git", "-c", f"core.hooksPath={_no_hooks_dir()}"]
    for item in INERT_CONFIG:
        prefix += ["-c", item]
    out = subprocess.run(
        [*prefix, "rev-parse", "--absolute-git-dir"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0 or not out.stdout.strip():
        raise ExecutorError(f"{root}: not a git work tree")
    return out.stdout.strip()


def merge_plan(path: Path | str) -> MergePlan:
    """What :func:`merge_result` would merge, or :class:`MergeRefused` saying why it cannot."""
    from workstream.executor.engine import load_state

    target = load_target(path, refuse_errors=False)
    state = load_state(target.file)
    name = target.model.id
    if state is None:
        raise MergeRefused(f"{name}: no run yet, so no result to merge")
    if not state.finished:
        raise MergeRefused(f"{name}: run {state.run_id} is still in progress; merge it after")
    git = _git(target.repo_root)
    result = state.result_commit and git.commit_of(state.result_commit)
    if not result:
        note = state.result_note or state.default_result_note() or "the run has no result"
        raise MergeRefused(f"{name}: nothing to merge: {note}")
    code, ref, _ = git.call("symbolic-ref", "-q", "HEAD")
    if code != 0 or not ref.strip().startswith("refs/heads/"):
        raise MergeRefused(
            f"Not merged: {target.repo_root} has no current branch (detached HEAD). "
            "Check out the branch to merge into first."
        )
    branch = ref.strip().removeprefix("refs/heads/")
    for name_in_git_dir, what in IN_PROGRESS.items():
        if (git.git_dir / name_in_git_dir).exists():
            raise MergeRefused(
                f"Not merged: {what} is in progress in {target.repo_root}. "
                "Finish or abort it first."
            )
    head = git.run("rev-parse", "HEAD")
    changed = git.run("status", "--porcelain", "--untracked-files=no").splitlines()
    if changed:
        listed = ", ".join(line[3:] for line in changed[:5]) + (", ..." if len(changed) > 5 else "")
        raise MergeRefused(
            f"Not merged: {target.repo_root} has uncommitted changes ({listed}). "
            "Commit or stash them first, then merge."
        )
    plan = MergePlan(
        name,
        state.run_id,
        str(target.repo_root),
        branch,
        head,
        result,
        state.result_branch,
        state.base_commit,
    )
    plan.already_merged = git.call("merge-base", "--is-ancestor", result, head)[0] == 0
    if plan.already_merged:
        return plan
    log = git.run("log", "--format=%H%x00%s", f"{head}..{result}")
    rows = [line.split("\0", 1) for line in log.splitlines() if "\0" in line]
    plan.commit_count = len(rows)
    plan.commits = [{"sha": sha, "subject": subject} for sha, subject in rows[:MAX_LISTED]]
    diff = git.run("diff", "--name-status", "--no-renames", "-z", f"{head}...{result}")
    parts = [part for part in diff.split("\0") if part]
    pairs = list(zip(parts[::2], parts[1::2], strict=False))
    plan.file_count = len(pairs)
    plan.files = [{"status": status, "path": file} for status, file in pairs[:MAX_LISTED]]
    return plan


def merge_result(path: Path | str, *, dry_run: bool = False) -> MergePlan:
    """Merge the last run's result into the user's current branch (``git merge --no-ff``);
    with ``dry_run``, only what would be merged. Raises :class:`MergeRefused`."""
    plan = merge_plan(path)
    if dry_run or plan.already_merged:
        return plan
    git = _git(Path(plan.repo_root))
    message = f"Merge workstream {plan.workstream_id} result (run {plan.run_id})"
    code, out, err = git.call("merge", "--no-ff", "--no-edit", "-m", message, plan.result_commit)
    if code != 0:
        conflicts = git.run("diff", "--name-only", "--diff-filter=U").splitlines()
        if (git.git_dir / "MERGE_HEAD").exists():
            git.call("merge", "--abort")
        why = (
            f"it conflicts in {', '.join(conflicts[:10])}"
            if conflicts
            else _first_error(err or out)
        )
        raise MergeRefused(f"Not merged: {why}. The merge was aborted; nothing changed.")
    plan.merged_commit = git.run("rev-parse", "HEAD")
    return plan


def _first_error(text: str) -> str:
    """git's own reason (its first ``error:`` line, else its last line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error:")]
    return (errors or lines or ["git merge failed"])[0 if errors else -1]
