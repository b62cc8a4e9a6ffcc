"""``clean --branches``: delete a workstream's step, candidate and result branches, only those.

A branch is deleted only when all of these hold; otherwise it stays and the report says why:

- its name is ``workstream/<id>/step/<step>``, ``workstream/<id>/candidate/<step>/<n>`` (a
  step's candidates: :mod:`candidates`) or ``workstream/<id>/result`` (the ``saved/``
  branches hold work ``clean`` and ``run`` rescued from kept worktrees: never deleted here);
- **the executor made it**: the oldest entry of its reflog is one the executor wrote (every
  executor update is logged with a ``workstream…`` message, and :meth:`Git.set_branch`
  creates the reflog even where ``core.logAllRefUpdates`` is off). A branch someone made by
  hand under that name (``git branch workstream/ws-x/step/evil``) starts with git's own
  ``branch: Created from …`` and is never deleted, ``--force`` or not;
- it is not checked out in any worktree, nor being rebased or bisected there;
- without ``force``: it holds no commit that is in neither the result (the commit the
  executor last put on the result branch) nor a ref that stays (a branch, tag or worktree
  HEAD outside the ones being deleted; not an idle pooled worktree's, which goes with the
  pool) — so deleting it loses nothing.

The deletion is ``git update-ref -d <ref> <old value>``: if the branch moved since it was
inspected, git refuses and the branch stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workstream.executor.gitops import Git, GitError
from workstream.executor.pool import PREFIX as POOL_PREFIX
from workstream.executor.worktrees import MARKER

#: The start of every reflog message the executor writes on its branches.
OWN_REFLOG = "workstream"


@dataclass(slots=True)
class BranchReport:
    """What :func:`delete_branches` did."""

    deleted: list[tuple[str, str]] = field(default_factory=list)  # (branch, commit it held)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (branch, why)


def workstream_branches(repo: Git, ws_id: str) -> dict[str, str]:
    """The step, candidate and result branches of ``ws_id`` (full ref names) and their
    commits."""
    prefix = f"refs/heads/workstream/{ws_id}/"
    refs = repo.refs(prefix)
    kinds = (prefix + "step/", prefix + "candidate/")
    return {
        ref: sha
        for ref, sha in sorted(refs.items())
        if any(ref.startswith(kind) and len(ref) > len(kind) for kind in kinds)
        or ref == prefix + "result"
    }


def reflog(repo: Git, ref: str) -> list[tuple[str, str]]:
    """``ref``'s reflog, newest first: (commit, message). Empty when it has none."""
    code, _, _ = repo.call("reflog", "exists", ref)
    if code != 0:
        return []
    code, out, _ = repo.call("log", "-g", "--format=%H%x09%gs", ref, "--")
    if code != 0:
        return []
    entries = (line.split("\t", 1) for line in out.splitlines() if "\t" in line)
    return [(sha, message) for sha, message in entries]


def made_by_executor(repo: Git, ref: str) -> tuple[bool, str]:
    """(True, "") when the oldest reflog entry of ``ref`` is the executor's; else why not."""
    entries = reflog(repo, ref)
    if not entries:
        return False, "it has no reflog to show workstream made it"
    first = entries[-1][1]
    if first.startswith(OWN_REFLOG):
        return True, ""
    return False, f"workstream did not make it (its reflog starts with {first!r})"


def executor_result(repo: Git, ws_id: str, recorded: str | None) -> str | None:
    """The commit the executor last put on the result branch (or the state's record)."""
    ref = f"refs/heads/workstream/{ws_id}/result"
    for sha, message in reflog(repo, ref):
        if message.startswith(OWN_REFLOG) and repo.commit_of(sha):
            return sha
    return repo.commit_of(recorded) if recorded else None


def in_use(repo: Git) -> dict[str, str]:
    """Each branch (full ref) some worktree has checked out, rebases or bisects, and where."""
    used = {ref: f"checked out in {path}" for ref, path in repo.checked_out().items()}
    admins = [(repo.git_dir, "the main worktree")]
    worktrees = repo.git_dir / "worktrees"
    if worktrees.is_dir():
        admins += [(admin, f"worktree {admin.name}") for admin in sorted(worktrees.iterdir())]
    for admin, name in admins:
        for what, file in (
            ("being rebased", Path("rebase-merge", "head-name")),
            ("being rebased", Path("rebase-apply", "head-name")),
            ("being bisected", Path("BISECT_START")),
        ):
            try:
                branch = (admin / file).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                continue
            ref = branch if branch.startswith("refs/") else f"refs/heads/{branch}"
            used.setdefault(ref, f"{what} in {name}")
    return used


def _unique(repo: Git, tip: str, keep: set[str]) -> int:
    """How many commits ``tip`` holds that none of ``keep`` contains."""
    lines = [tip, *(f"^{sha}" for sha in sorted(keep))]
    out = repo.run("rev-list", "--count", "--stdin", stdin="\n".join(lines).encode() + b"\n")
    return int(out.strip() or "0")


def _staying(repo: Git, leaving: set[str]) -> set[str]:
    """The commits of every ref (tags peeled) and worktree HEAD that stays: one git call."""
    out = repo.run(
        "for-each-ref",
        "--format=%(refname) %(objecttype) %(objectname) %(*objecttype) %(*objectname)",
    )
    keep: set[str] = set()
    for line in out.splitlines():
        ref, kind, sha, peeled_kind, peeled = (line.split(" ") + [""] * 5)[:5]
        if ref in leaving:
            continue
        if kind == "commit":
            keep.add(sha)
        elif peeled_kind == "commit":
            keep.add(peeled)
    keep |= {
        w.head
        for w in repo.worktrees()
        if w.head and w.branch not in leaving and not _pooled(w.path, w.branch)
    }
    return keep


def _pooled(path: Path, branch: str | None) -> bool:
    """An idle worktree of a pool (detached ``.pool-<n>`` in a folder of ours): its HEAD is a
    result the pool was tidied to, which ``clean`` removes with it, so it keeps nothing."""
    return branch is None and path.name.startswith(POOL_PREFIX) and (path.parent / MARKER).is_file()


def delete_branches(
    repo: Git, ws_id: str, *, force: bool = False, recorded_result: str | None = None
) -> BranchReport:
    """Delete ``ws_id``'s step, candidate and result branches that are safe to delete (module
    doc)."""
    report = BranchReport()
    branches = workstream_branches(repo, ws_id)
    if not branches:
        return report
    used = in_use(repo)
    result = executor_result(repo, ws_id, recorded_result)
    keep = _staying(repo, set(branches))
    if result is not None:
        keep.add(result)
    result_ref = f"refs/heads/workstream/{ws_id}/result"
    # step branches first: the result's commit protects them until they are gone
    for ref in sorted(branches, key=lambda r: r == result_ref):
        sha = branches[ref]
        name = ref.removeprefix("refs/heads/")
        ours, why = made_by_executor(repo, ref)
        if not ours:
            report.kept.append((name, f"{why}; delete it yourself if it is yours to delete"))
            continue
        if ref in used:
            report.kept.append((name, f"{used[ref]}; switch that worktree to another branch"))
            continue
        if not force:
            count = _unique(repo, sha, keep)
            if count:
                plural = "commit" if count == 1 else "commits"
                where = "the result" if result is not None else "the result (there is none)"
                report.kept.append(
                    (
                        name,
                        f"{count} {plural} not in {where} nor any other branch; --force to delete",
                    )
                )
                continue
        try:
            repo.run("update-ref", "-m", "workstream clean --branches", "-d", ref, sha)
        except GitError as exc:
            report.kept.append((name, f"git did not delete it: {exc}"))
            continue
        report.deleted.append((name, sha))
    return report
