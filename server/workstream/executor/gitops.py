"""Git, the way the executor needs it: worktrees, changed files, commits and merges.

Every command goes through GitPython's :class:`git.Git` wrapper (one ``git`` process each;
no state is shared between threads, so steps call it concurrently). Merges never need a
worktree: ``git merge-tree --write-tree`` computes the merged tree and names the conflicting
files, and ``git commit-tree`` records it, so neither the user's working tree nor any step's
is touched by the merge of its dependencies or by the result branch.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import git
from git.refs.symbolic import SymbolicReference

from workstream.executor.errors import ExecutorError

#: Environment variables that would point git (ours or a step's) at another repository.
GIT_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


class GitError(ExecutorError):
    """A git command failed; the message holds the command and git's own last line."""


@dataclass(frozen=True, slots=True)
class Worktree:
    """One entry of ``git worktree list``."""

    path: Path
    head: str | None
    branch: str | None  # full ref name, e.g. refs/heads/main


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    """The merge of several commits: the commit, or the files in conflict and between whom."""

    commit: str | None
    conflicts: tuple[str, ...] = ()
    between: tuple[str, str] | None = None  # the two commits whose merge conflicted


class Git:
    """Run git in one directory (a repository root or a worktree)."""

    def __init__(
        self,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        admin_lock: threading.Lock | None = None,
    ) -> None:
        self.cwd = cwd
        self._git = git.Git(str(cwd))
        self._env = dict(env or {})
        # git reads every worktree's admin dir while adding or listing one, and fails on a
        # half-written one: worktree administration is serialised between our threads.
        self._admin_lock = admin_lock or threading.Lock()

    def at(self, cwd: Path) -> Git:
        """The same git (same environment, same worktree lock) in another directory."""
        return Git(cwd, self._env, self._admin_lock)

    def run(self, *args: str, check: bool = True) -> str:
        """Run ``git args...`` and return its stdout (one trailing newline stripped)."""
        code, out, err = self.call(*args)
        if check and code != 0:
            last = (err.strip().splitlines() or [out.strip()])[-1:] or [""]
            raise GitError(f"git {' '.join(args[:3])} failed in {self.cwd}: {last[0]}")
        return out

    def call(self, *args: str) -> tuple[int, str, str]:
        """Run ``git args...``; return (exit code, stdout, stderr) without raising."""
        try:
            code, out, err = self._git.execute(
                ["git", *args],
                with_extended_output=True,
                with_exceptions=False,
                env=self._env,
            )
        except git.GitCommandNotFound:
            raise ExecutorError("git is not installed (no 'git' on PATH)") from None
        return int(code), str(out), str(err)

    # -- repository ---------------------------------------------------------------------

    def commit_of(self, rev: str) -> str | None:
        """The full hash of the commit ``rev`` names, or None."""
        code, out, _ = self.call("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        return out.strip() if code == 0 and out.strip() else None

    def refs(self, prefix: str) -> dict[str, str]:
        """Every ref under ``prefix`` (e.g. ``refs/heads/workstream/x/``) and its commit."""
        out = self.run("for-each-ref", "--format=%(refname) %(objectname)", prefix)
        pairs = (line.split(" ", 1) for line in out.splitlines() if " " in line)
        return {name: sha for name, sha in pairs}

    def set_branch(self, branch: str, commit: str, reason: str) -> None:
        """Point ``refs/heads/<branch>`` at ``commit`` (creating it), logged with ``reason``."""
        self.run("update-ref", "-m", reason, f"refs/heads/{branch}", commit)

    def delete_branch(self, branch: str) -> None:
        """Delete a branch if it exists."""
        self.call("update-ref", "-d", f"refs/heads/{branch}")

    def uncommitted(self) -> list[str]:
        """``git status --porcelain`` lines of this working tree (without taking its lock)."""
        out = self.run("--no-optional-locks", "status", "--porcelain")
        return [line for line in out.splitlines() if line]

    def worktrees(self) -> list[Worktree]:
        """Every worktree of the repository."""
        with self._admin_lock:
            out = self.run("worktree", "list", "--porcelain")
        result: list[Worktree] = []
        path: Path | None = None
        head: str | None = None
        branch: str | None = None
        for line in [*out.splitlines(), ""]:
            if line.startswith("worktree "):
                path = Path(line[len("worktree ") :])
            elif line.startswith("HEAD "):
                head = line[len("HEAD ") :]
            elif line.startswith("branch "):
                branch = line[len("branch ") :]
            elif not line and path is not None:
                result.append(Worktree(path, head, branch))
                path, head, branch = None, None, None
        return result

    def add_worktree(self, path: Path, branch: str, start: str) -> None:
        """Create a worktree at ``path`` on ``branch`` (forced to ``start``).

        Only the administrative part holds the lock; the checkout (what ``worktree add``
        would run as its own child ``git reset --hard``) runs beside other steps' checkouts.
        """
        with self._admin_lock:
            self.run("worktree", "add", "--quiet", "--no-checkout", "-B", branch, str(path), start)
        self.at(path).run("reset", "--hard", "--quiet", "--no-recurse-submodules")

    def remove_worktree(self, path: Path) -> None:
        """Remove a worktree and its files, whatever they hold."""
        with self._admin_lock:
            code, _, _ = self.call("worktree", "remove", "--force", "--force", str(path))
            if code != 0 and path.exists():
                shutil.rmtree(path, ignore_errors=True)
                self.call("worktree", "prune")

    def discard_worktree(self, path: Path) -> None:
        """Delete a worktree's directory only; :meth:`prune` forgets it later.

        Cheaper than ``git worktree remove`` and safe to run beside other steps: git's
        administrative files are left alone until the prune at the end of the run.
        """
        shutil.rmtree(path, ignore_errors=True)

    def prune(self) -> None:
        """Forget worktrees whose directories are gone."""
        with self._admin_lock:
            self.run("worktree", "prune")

    # -- inside a worktree ----------------------------------------------------------------

    def changed_files(self) -> list[str]:
        """Paths changed, added or deleted in this worktree (ignored files excluded)."""
        out = self.run("status", "--porcelain", "-z", "--untracked-files=all", "--no-renames")
        return [entry[3:] for entry in out.split("\0") if len(entry) > 3]

    def stage(self, paths: Sequence[str] | None = None) -> None:
        """Stage every change (``paths`` None) or exactly these paths."""
        if paths is None:
            self.run("add", "--all")
            return
        for start in range(0, len(paths), 500):  # keep argv short
            self.run("add", "--all", "--", *(f":(literal){p}" for p in paths[start : start + 500]))

    def commit(self, message: str) -> str:
        """Commit the index (without hooks or signing) and return the new HEAD."""
        self.run("-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", message)
        return self.head()

    def head(self) -> str:
        """The commit checked out here, read from the ref files (no git process)."""
        repo = git.Repo(str(self.cwd))
        try:
            return str(SymbolicReference.dereference_recursive(repo, "HEAD"))
        except (ValueError, OSError):
            return self.run("rev-parse", "HEAD").strip()
        finally:
            repo.close()

    # -- merges ---------------------------------------------------------------------------

    def independent(self, commits: Iterable[str]) -> list[str]:
        """The commits none of the others contain, in the given order."""
        unique = list(dict.fromkeys(commits))
        if len(unique) <= 1:
            return unique
        keep = set(self.run("merge-base", "--independent", *unique).split())
        return [c for c in unique if c in keep]

    def merge(self, commits: Sequence[str], message: str) -> MergeOutcome:
        """Merge ``commits`` in order into one commit, or report the first conflict."""
        heads = self.independent(commits)
        if not heads:
            raise GitError("nothing to merge")
        current = heads[0]
        for other in heads[1:]:
            code, out, err = self.call(
                "merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", current, other
            )
            fields = out.split("\0")
            if code == 1:
                conflicts = tuple(dict.fromkeys(f for f in fields[1:] if f))
                return MergeOutcome(None, conflicts, (current, other))
            if code != 0:
                raise GitError(f"git merge-tree failed: {(err.strip().splitlines() or [''])[-1]}")
            tree = fields[0].strip()
            current = self.run("commit-tree", tree, "-p", current, "-p", other, "-m", message)
            current = current.strip()
        if len(heads) > 2:  # one commit whose parents are all the heads, like an octopus merge
            tree = self.run("rev-parse", f"{current}^{{tree}}").strip()
            parents = [arg for head in heads for arg in ("-p", head)]
            current = self.run("commit-tree", tree, *parents, "-m", message).strip()
        return MergeOutcome(current)


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without variables that would redirect git to another repository."""
    env = dict(os.environ if base is None else base)
    for name in GIT_LOCATION_VARS:
        env.pop(name, None)
    return env


def identity_env(repo: Git) -> dict[str, str]:
    """Author/committer variables for when the repository has no identity configured."""
    code, out, _ = repo.call("var", "GIT_COMMITTER_IDENT")
    if code == 0 and out.strip():
        return {}
    return {
        "GIT_AUTHOR_NAME": "workstream",
        "GIT_AUTHOR_EMAIL": "workstream@localhost",
        "GIT_COMMITTER_NAME": "workstream",
        "GIT_COMMITTER_EMAIL": "workstream@localhost",
    }
