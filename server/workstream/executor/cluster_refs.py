"""The git side of a cluster run: the remote, the refs a run makes there, moving commits.

The repository travels through git, never a shared filesystem. The coordinator pushes each
attempt's start point to the remote under ``refs/workstream/<workstream>/<run>/<attempt>/``;
a worker fetches it into its own cache clone and pushes the attempt's commit back next to it;
the coordinator fetches that and moves the step branch in the user's repository. Nothing is
pushed to a branch, and every ref a run made is deleted at its end (and by ``clean``).

Without ``--remote`` and without an ``origin``, a run on a ``local:N`` cluster relays through
a bare repository of its own in the workstream's state folder that borrows the user's objects
(``objects/info/alternates``): the workers can reach it, and no ref lands in the user's
repository. Every git command here is inert (no hooks, here or in a local remote).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError

#: Where a run's refs live on the remote.
REF_ROOT = "refs/workstream"

#: The transports a remote may use (every other executor git call allows none), and ssh as
#: the user's ssh runs it.
REMOTE_CONFIG = (
    *(f"protocol.{name}.allow=always" for name in ("file", "ssh", "git", "http", "https")),
    "core.sshCommand=ssh",
    # nothing beyond the refs asked for: no submodules, no commit-graph written here
    "fetch.recurseSubmodules=false",
    "push.recurseSubmodules=no",
    "fetch.writeCommitGraph=false",
)


def _remote(repo: Git, *args: str, config: Sequence[str] = ()) -> str:
    """``git args...`` against a remote (:data:`REMOTE_CONFIG` over the inert config).

    A failure names the git command (not the ``-c`` options before it) and git's first
    complaint ("'…' does not appear to be a git repository"), not its last line ("and the
    repository exists")."""
    options = [part for item in (*REMOTE_CONFIG, *config) for part in ("-c", item)]
    code, out, err = repo.call(*options, *args)
    if code != 0:
        lines = [line.strip() for line in err.splitlines() if line.strip()] or [out.strip()]
        first = next((line for line in lines if line.startswith(("fatal:", "error:"))), None)
        where = repo.work_tree or repo.git_dir
        raise GitError(f"git {args[0]} failed in {where}: {first or lines[-1]}")
    return out.removesuffix("\n")


def _is_local(url: str) -> bool:
    """True for a remote git reaches by spawning its own receive-pack here (a path, file://)."""
    return url.startswith("file://") or (
        "://" not in url and not (":" in url.split("/", 1)[0] and not url.startswith("/"))
    )


def _receive_pack(url: str) -> list[str]:
    """For a local remote, a receive-pack that runs none of the remote's hooks: the ``-c``
    settings of our push do not reach it (git clears ``GIT_CONFIG_PARAMETERS`` for the
    other repository), so it would run the remote's pre-receive, update, post-receive..."""
    return [f"--receive-pack=git -c core.hooksPath={os.devnull} receive-pack"] * _is_local(url)


def run_prefix(workstream_id: str, run_id: str) -> str:
    """The refs of one run on the remote (``clean`` deletes ``REF_ROOT/<workstream>/``)."""
    return f"{REF_ROOT}/{workstream_id}/{run_id}/"


def attempt_ref(workstream_id: str, run_id: str, key: str, what: str) -> str:
    """One attempt's ``start``, ``result`` or ``saved`` ref."""
    return f"{run_prefix(workstream_id, run_id)}{key}/{what}"


def relay_path(state_root: Path) -> Path:
    """The bare relay repository of a ``local:N`` run without a remote."""
    return state_root / "relay.git"


def resolve_remote(repo: Git, remote: str | None, state_root: Path, local: bool) -> str:
    """The URL every worker fetches from and pushes to.

    ``remote`` is a remote's name or a URL (a path is made absolute); None means ``origin``,
    or, on a ``local:N`` cluster of a repository without one, the relay (made here). A
    remote that starts with ``-`` is refused: git would take it for an option."""
    if remote is not None and remote.startswith("-"):
        raise ExecutorError(
            f"--remote {remote!r} is not a git remote's name or URL (it starts with '-', "
            "which git would take for an option)"
        )
    name = remote or "origin"
    code, out, _ = repo.call("remote", "get-url", name)
    if code == 0 and out.strip():
        url = out.strip()
        if url.startswith("-"):
            raise ExecutorError(f"the URL of the remote {name!r} starts with '-': {url!r}")
    elif remote is not None:
        url = remote
    elif local:
        return make_relay(repo, relay_path(state_root))
    else:
        raise ExecutorError(
            "a cluster run needs a git remote every worker can reach: this repository has no "
            "'origin'; give one with --remote NAME|URL"
        )
    return _absolute(url, repo)


def _absolute(url: str, repo: Git) -> str:
    """A local path as an absolute path (workers run elsewhere); any other URL as it is."""
    if "://" in url or (":" in url.split("/", 1)[0] and not url.startswith("/")):
        return url  # scheme://… or scp-like host:path
    path = Path(url).expanduser()
    if not path.is_absolute():
        path = (repo.git_dir.parent / path).resolve()
    return str(path)


def make_relay(repo: Git, path: Path) -> str:
    """A bare repository at ``path`` that borrows ``repo``'s objects; its path."""
    if not (path / "objects").is_dir():
        path.mkdir(parents=True, exist_ok=True)
        Git(path).run("init", "--quiet", "--bare", str(path))
    alternates = path / "objects" / "info" / "alternates"
    alternates.parent.mkdir(parents=True, exist_ok=True)
    alternates.write_text(str((repo.git_dir / "objects").resolve()) + "\n", encoding="utf-8")
    return str(path)


def push(repo: Git, url: str, pairs: Sequence[tuple[str, str]]) -> None:
    """Push each ``(commit, ref)``, forced; no hooks on either side (``--no-verify``, and a
    local remote's receive-pack told ``core.hooksPath``: :func:`_receive_pack`)."""
    if not pairs:
        return
    specs = [f"+{commit}:{ref}" for commit, ref in pairs]
    _remote(repo, "push", "--quiet", "--no-verify", "--no-signed", *_receive_pack(url), url, *specs)


def fetch(repo: Git, url: str, refs: Sequence[str]) -> None:
    """Fetch the objects of ``refs`` (no ref, no FETCH_HEAD, no tags written here)."""
    if refs:
        _remote(repo, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", url, *refs)


def fetch_into(repo: Git, url: str, pairs: Sequence[tuple[str, str]]) -> None:
    """Fetch each remote ``ref`` into a local ``ref`` of ``repo`` (a worker's cache clone).

    What it fetches is kept as one pack (``fetch.unpackLimit=1``), which git moves into place
    only once it is whole: a fetch killed half-way leaves no commit without its trees, so a
    commit the clone holds is one whose files it holds (the worker then skips the fetch)."""
    specs = [f"+{src}:{dst}" for src, dst in pairs]
    fetching = ("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", url, *specs)
    _remote(repo, *fetching, config=["fetch.unpackLimit=1"])


def remote_refs(repo: Git, url: str, prefix: str) -> list[str]:
    """The refs below ``prefix`` on the remote."""
    out = _remote(repo, "ls-remote", "--refs", url, f"{prefix}*")
    return [line.split("\t", 1)[1] for line in out.splitlines() if "\t" in line]


def delete_remote(repo: Git, url: str, prefix: str) -> list[str]:
    """Delete every ref below ``prefix`` on the remote; the refs deleted."""
    return delete_refs(repo, url, remote_refs(repo, url, prefix))


def delete_refs(repo: Git, url: str, refs: Sequence[str]) -> list[str]:
    """Delete ``refs`` on the remote; the refs deleted."""
    refs = list(refs)
    for start in range(0, len(refs), 200):
        _remote(
            repo,
            "push",
            "--quiet",
            "--no-verify",
            *_receive_pack(url),
            url,
            *(f":{r}" for r in refs[start : start + 200]),
        )
    return refs


def forget_run_refs(repo: Git, workstream_id: str, run_id: str, url: str | None) -> list[str]:
    """The refs an interrupted cluster run left on its remote, deleted (a run that follows
    records no remote of that run, so ``clean`` would not find them); warnings, if any."""
    if not url or url.startswith("-"):
        return []
    try:
        delete_remote(repo, url, run_prefix(workstream_id, run_id))
    except (GitError, ExecutorError) as exc:
        return [f"the interrupted run's refs on {url} are left (clean deletes them): {exc}"]
    return []


def remove_relay(state_root: Path) -> None:
    """Remove the relay repository (ours: made by :func:`make_relay`), if any."""
    path = relay_path(state_root)
    if (path / "objects" / "info" / "alternates").is_file():
        shutil.rmtree(path)  # never follows a link (and refuses one in the relay's place)


__all__ = [
    "GitError",
    "attempt_ref",
    "delete_remote",
    "fetch",
    "fetch_into",
    "push",
    "remote_refs",
    "remove_relay",
    "resolve_remote",
    "run_prefix",
]
