"""``workstream clean --list``: the workstreams a repository holds something for.

Found from three places, so a workstream whose file is gone still shows: the state folders
``<git-common-dir>/workstream/<id>/``, the branches ``workstream/<id>/…`` whose reflog shows
the executor made them, and the registered worktrees inside a marked worktree folder named
after the workstream. For each: the last run's id and status, its file, how
many worktrees and branches it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workstream.executor.branches import made_by_executor
from workstream.executor.gitops import Git
from workstream.executor.state import StateDir
from workstream.executor.target import find_repository
from workstream.executor.worktrees import owned


@dataclass(slots=True)
class Held:
    """What a repository holds for one workstream."""

    ws_id: str
    status: str = "no run recorded"
    file: str = ""
    worktrees: list[Path] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)

    run_id: str = ""

    def line(self, cwd: Path | None = None) -> str:
        """One line of the listing (the file relative to ``cwd`` when below it)."""
        run = f"last run {self.run_id}: {self.status}" if self.run_id else self.status
        parts = [self.ws_id, run]
        parts.append(f"{len(self.worktrees)} worktree{'s' if len(self.worktrees) != 1 else ''}")
        parts.append(f"{len(self.branches)} branch{'es' if len(self.branches) != 1 else ''}")
        if self.file:
            file = Path(self.file)
            gone = "" if file.exists() else " (gone)"
            if cwd is not None and file.is_relative_to(cwd):
                file = file.relative_to(cwd)
            parts.append(f"{file}{gone}")
        return "  ".join(parts)


def holdings(start: Path) -> list[Held]:
    """Every workstream the repository holding ``start`` keeps state, worktrees or branches for."""
    _, git_dir = find_repository(start)
    repo = Git(git_dir)
    found: dict[str, Held] = {}
    base = git_dir / "workstream"
    for folder in sorted(base.iterdir()) if base.is_dir() else ():
        if not folder.is_dir() or folder.is_symlink():
            continue
        held = found.setdefault(folder.name, Held(folder.name))
        state = StateDir(folder).load()
        if state is not None:
            held.status = state.status
            held.run_id = state.run_id
            held.file = state.workstream_file
    for ref in repo.refs("refs/heads/workstream/"):
        ws_id = ref.removeprefix("refs/heads/workstream/").split("/", 1)[0]
        if made_by_executor(repo, ref)[0]:
            found.setdefault(ws_id, Held(ws_id)).branches.append(ref.removeprefix("refs/heads/"))
    for worktree in repo.worktrees():
        root = worktree.path.parent
        if worktree.path != root and owned(root, git_dir):
            ws_id = root.name if root.name != "worktrees" else root.parent.name
            found.setdefault(ws_id, Held(ws_id)).worktrees.append(worktree.path)
    return [found[k] for k in sorted(found)]
