"""Git, the way the executor needs it: pinned, inert, and byte-safe.

Every command names its repository explicitly (``--git-dir``, and ``--work-tree`` when it
needs one) and never finds it by walking up from a directory, so a step that deletes or
rewrites its worktree's ``.git`` cannot point the executor's git at the user's repository.
Every command also runs inert: no hooks (``core.hooksPath`` points at an empty directory),
no fsmonitor, no automatic gc or maintenance, no signing, no pager, no prompts, and none of
the environment variables that would redirect git. Paths come back NUL-separated and are
decoded with the file-system encoding (``surrogateescape``), so a file name that is not
UTF-8 survives the round trip.

Merges never need a worktree: ``git merge-tree --write-tree`` computes the merged tree and
names the conflicting files, and ``git commit-tree`` records it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workstream.executor.errors import ExecutorError

#: Environment variables that would point git (ours or a step's) somewhere else.
GIT_LOCATION_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_EXTERNAL_DIFF",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_PAGER",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "GIT_TRACE",
    "GIT_TRACE2",
    "GIT_TRACE2_EVENT",
    "GIT_TRACE2_PERF",
)


def _empty_hooks_path() -> Path:
    """This user's own empty hooks folder: a shared name in ``$TMPDIR`` could be made first,
    with hooks inside, by another local user."""
    return Path(tempfile.gettempdir()) / f"workstream-no-hooks-{os.getuid()}"


def _no_hooks_dir() -> str:
    """An empty directory for ``core.hooksPath`` (``/dev/null`` works too, but is not a dir).

    Ours only: made with mode 0700, then checked (a real folder, not a link, owned by us,
    nobody else may write it, empty); anything else gives ``/dev/null`` (git treats a
    non-directory as "no hooks")."""
    path = _empty_hooks_path()
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return os.devnull
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or info.st_mode & 0o077
        or any(path.iterdir())
    ):
        return os.devnull  # somebody else's directory, or something in it
    return str(path)


#: ``-c`` overrides of every executor git call: nothing configured runs a command.
INERT_CONFIG = (
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    "core.trustctime=true",  # the stat check sees every write (a pooled worktree's tidy)
    "core.checkStat=default",
    "core.ignoreStat=false",
    "core.pager=cat",
    "core.editor=false",
    "core.sshCommand=false",
    "core.askPass=",
    "gc.auto=0",
    "maintenance.auto=false",
    "commit.gpgSign=false",
    "tag.gpgSign=false",
    "diff.external=",
    "advice.detachedHead=false",
    "protocol.allow=never",
    "submodule.recurse=false",
)


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
    """Run git against one repository (its common git dir), optionally on one work tree."""

    def __init__(
        self,
        git_dir: Path,
        work_tree: Path | None = None,
        env: Mapping[str, str] | None = None,
        admin_lock: threading.Lock | None = None,
        index_file: Path | None = None,
    ) -> None:
        self.git_dir = git_dir
        self.work_tree = work_tree
        self.index_file = index_file
        self._env = clean_env(env if env is not None else os.environ)
        self._env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
        if index_file is not None:
            self._env["GIT_INDEX_FILE"] = str(index_file)
        # git reads every worktree's admin dir while adding or listing one, and fails on a
        # half-written one: worktree administration is serialised between our threads.
        self._admin_lock = admin_lock or threading.Lock()
        self._prefix = ["git", f"--git-dir={git_dir}"]
        if work_tree is not None:
            self._prefix.append(f"--work-tree={work_tree}")
        for item in (f"core.hooksPath={_no_hooks_dir()}", *INERT_CONFIG):
            self._prefix += ["-c", item]

    @property
    def env(self) -> dict[str, str]:
        """The environment git runs with (a copy)."""
        return dict(self._env)

    @property
    def cwd(self) -> Path:
        """The folder git runs in: the work tree, else the git dir."""
        return self.work_tree or self.git_dir

    def argv(self, *args: str) -> list[str]:
        """The command line of ``git args...`` (pinned and inert, as :meth:`call` runs it)."""
        return [*self._prefix, *args]

    def on(self, work_tree: Path | None, index_file: Path | None = None) -> Git:
        """The same repository (same environment and lock) on another work tree and index."""
        env = {k: v for k, v in self._env.items() if k != "GIT_INDEX_FILE"}
        return Git(self.git_dir, work_tree, env, self._admin_lock, index_file)

    def run(self, *args: str, check: bool = True, stdin: bytes | None = None) -> str:
        """Run ``git args...`` and return its stdout (one trailing newline stripped)."""
        code, out, err = self.call(*args, stdin=stdin)
        if check and code != 0:
            last = (err.strip().splitlines() or [out.strip()])[-1:] or [""]
            where = self.work_tree or self.git_dir
            raise GitError(f"git {' '.join(args[:3])} failed in {where}: {last[0]}")
        return out.removesuffix("\n")

    def call(self, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        """Run ``git args...``; return (exit code, stdout, stderr) without raising."""
        try:
            proc = subprocess.run(
                [*self._prefix, *args],
                input=stdin if stdin is not None else b"",
                capture_output=True,
                env=self._env,
                cwd=self.work_tree or self.git_dir,
                check=False,
            )
        except FileNotFoundError:
            raise ExecutorError("git is not installed (no 'git' on PATH)") from None
        except OSError as exc:
            raise GitError(f"git {' '.join(args[:3])} could not start: {exc}") from None
        return proc.returncode, os.fsdecode(proc.stdout), os.fsdecode(proc.stderr)

    # -- repository ---------------------------------------------------------------------

    def commit_of(self, rev: str) -> str | None:
        """The full hash of the commit ``rev`` names, or None."""
        if rev.startswith("-"):
            return None
        code, out, _ = self.call("rev-parse", "--verify", "--quiet", "--end-of-options", rev)
        sha = out.strip()
        if code != 0 or not sha:
            return None
        code, out, _ = self.call("rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}")
        return out.strip() if code == 0 and out.strip() else None

    def refs(self, prefix: str) -> dict[str, str]:
        """Every ref under ``prefix`` (e.g. ``refs/heads/workstream/x/``) and its commit."""
        out = self.run("for-each-ref", "--format=%(refname) %(objectname)", prefix)
        pairs = (line.split(" ", 1) for line in out.splitlines() if " " in line)
        return {name: sha for name, sha in pairs}

    def set_branch(self, branch: str, commit: str, reason: str) -> None:
        """Point ``refs/heads/<branch>`` at ``commit`` (creating it), logged with ``reason``.

        The reflog is created even where ``core.logAllRefUpdates`` is off: its first entry
        is how ``clean --branches`` knows the executor made a branch.
        """
        self.run("update-ref", "--create-reflog", "-m", reason, f"refs/heads/{branch}", commit)

    def delete_branch(self, branch: str) -> None:
        """Delete a branch if it exists."""
        self.call("update-ref", "-d", f"refs/heads/{branch}")

    def uncommitted(self) -> list[str]:
        """``git status --porcelain`` entries of the work tree (without taking its lock)."""
        out = self.run("status", "--porcelain", "-z", "--untracked-files=normal")
        return [entry for entry in out.split("\0") if entry]

    def worktrees(self) -> list[Worktree]:
        """Every worktree of the repository."""
        with self._admin_lock:
            out = self.run("worktree", "list", "--porcelain", "-z")
        result: list[Worktree] = []
        path: Path | None = None
        head: str | None = None
        branch: str | None = None
        for field in [*out.split("\0"), ""]:
            if field.startswith("worktree "):
                path = Path(field[len("worktree ") :])
            elif field.startswith("HEAD "):
                head = field[len("HEAD ") :]
            elif field.startswith("branch "):
                branch = field[len("branch ") :]
            elif not field and path is not None:
                result.append(Worktree(path, head, branch))
                path, head, branch = None, None, None
        return result

    def checked_out(self) -> dict[str, Path]:
        """Each branch (full ref) checked out in some worktree, and where."""
        return {w.branch: w.path for w in self.worktrees() if w.branch}

    def add_worktree(self, path: Path, start: str) -> Path:
        """Register a detached worktree at ``path`` at ``start`` and check it out.

        Returns its administrative directory. Only the registration holds the lock; the
        checkout runs beside other steps' checkouts.
        """
        with self._admin_lock:
            self.run("worktree", "add", "--quiet", "--no-checkout", "--detach", str(path), start)
        admin = self.admin_dir(path)
        self.on(path, admin / "index").run(
            "read-tree", "--reset", "-u", "--no-recurse-submodules", start
        )
        return admin

    def admin_dir(self, path: Path) -> Path:
        """The administrative directory of the worktree at ``path`` (read from git's side)."""
        base = self.git_dir / "worktrees"
        for admin in base.iterdir() if base.is_dir() else ():
            try:
                gitdir = (admin / "gitdir").read_text(encoding="utf-8").strip()
            except OSError:
                continue
            if Path(gitdir) == path / ".git":
                return admin
        raise GitError(f"{path} is not a registered worktree of {self.git_dir}")

    def remove_worktree(self, path: Path) -> None:
        """Unregister a worktree of ours and delete its files (git checks it is a worktree)."""
        with self._admin_lock:
            self.run("worktree", "remove", "--force", "--force", str(path))

    def move_worktree(self, path: Path, to: Path) -> None:
        """Move a worktree of ours (a rename; git checks it is one and updates its admin)."""
        with self._admin_lock:
            self.run("worktree", "move", str(path), str(to))

    def prune(self) -> None:
        """Forget worktrees whose directories are gone."""
        with self._admin_lock:
            self.run("worktree", "prune")

    # -- trees ----------------------------------------------------------------------------

    def write_tree_of_work_tree(self, exclude: Sequence[str] = ()) -> str:
        """Stage the whole work tree into this Git's (private) index and write its tree:
        :func:`~workstream.executor.snapshot.write_tree` without a deadline (its size limit
        and its rules for ``exclude``)."""
        from workstream.executor.snapshot import Bound, write_tree  # it builds on this module

        return write_tree(self, exclude, Bound())

    def changed_between(self, old: str, new: str) -> list[str]:
        """Paths that differ between two trees or commits (added, changed or deleted)."""
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", old, new)
        return [p for p in out.split("\0") if p]

    def tree_with(self, start: str, source_tree: str, paths: Sequence[str]) -> str:
        """``start``'s tree with ``paths`` as ``source_tree`` has them (absent ones deleted)."""
        if not paths:
            return self.run("rev-parse", f"{start}^{{tree}}").strip()
        assert self.index_file is not None
        self.run("read-tree", start)
        listing = self.run("ls-tree", "-r", "-z", "--full-tree", source_tree)
        wanted = set(paths)
        present: list[str] = []
        for entry in listing.split("\0"):
            if not entry:
                continue
            meta, _, name = entry.partition("\t")
            if name in wanted:
                mode, _kind, sha = meta.split(" ")
                present.append(f"{mode} {sha}\t{name}")
        removed = wanted - {line.partition("\t")[2] for line in present}
        zero = "0" * len(start) if len(start) in (40, 64) else "0" * 40
        lines = [f"0 {zero}\t{name}" for name in sorted(removed)] + present
        self.run("update-index", "-z", "--index-info", stdin=_nul_lines(lines))
        return self.run("write-tree").strip()

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        """A commit of ``tree`` with ``parents``; no hooks, no signing, no ref moved."""
        args = [arg for parent in parents for arg in ("-p", parent)]
        data = message.encode("utf-8", "surrogateescape")
        return self.run("commit-tree", tree, *args, stdin=data).strip()

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
            current = self.commit_tree(fields[0].strip(), [current, other], message)
        if len(heads) > 2:  # one commit whose parents are all the heads, like an octopus merge
            tree = self.run("rev-parse", f"{current}^{{tree}}").strip()
            current = self.commit_tree(tree, heads, message)
        return MergeOutcome(current)


def _nul_lines(lines: Iterable[str]) -> bytes:
    return b"".join(os.fsencode(line) + b"\0" for line in lines)


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without variables that would redirect git or make it run commands."""
    env = dict(os.environ if base is None else base)
    for name in GIT_LOCATION_VARS:
        env.pop(name, None)
    for name in [n for n in env if n.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))]:
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
