"""The sandbox: every step command runs under bubblewrap, confined to its worktree.

What a sandboxed command sees (``docs/trust.md`` has the why of each):

- the whole file system read-only (``--ro-bind / /``, submounts included), with a fresh
  ``/dev`` and ``/proc`` (of its own PID namespace);
- a private, empty ``/tmp``, ``/var/tmp`` and ``/dev/shm``, and an empty user runtime
  directory (``$XDG_RUNTIME_DIR``, ``/run/user/<uid>``: the session bus and the agents' sockets
  live there), all gone with the command;
- read-write: its worktree and each path of :attr:`SandboxSpec.writable` (the executor's
  private git directories for the step, the ``execution.writable`` / step ``writable``
  directories) and :attr:`SandboxSpec.log_dir`; read-only again: :attr:`SandboxSpec.readable`
  (e.g. the repository's git dir, which the private ``/tmp`` would hide when the repository
  itself lies below ``/tmp``). The most specific path wins: binds are made parents first;
- no capabilities (``--cap-drop ALL``: as root, bubblewrap would otherwise keep them all, and
  a root command could simply remount ``/`` read-write), ``no_new_privs`` (bubblewrap's own);
- its own PID namespace (``--unshare-pid``): when its first process exits or bubblewrap dies,
  the kernel kills every process left in it, ``setsid`` daemons included; ``--die-with-parent``
  kills bubblewrap when the runner dies, even by SIGKILL;
- its own IPC, UTS and (where possible) cgroup namespaces; no network but a loopback of its own
  when :attr:`SandboxSpec.network` is false;
- hidden: the credentials below ``HOME`` no step needs (:data:`SECRETS_IN_HOME`: ``~/.ssh``,
  ``~/.aws``, ``~/.netrc``, ``~/.git-credentials``…), each replaced by an empty read-only folder
  or an unreadable file, mounted after everything else (a writable folder holding one does
  not show it again);
- the environment unchanged (``PATH``, ``HOME``: ``HOME`` is readable, not writable).

There is no ``--new-session``: the executor starts each command in a new session already (no
controlling terminal, so nothing to inject keystrokes into), and a second session inside would
take the command out of the process group the executor signals.

Caveat for callers: ``--die-with-parent`` is ``PR_SET_PDEATHSIG``, which fires when the
*thread* that started bubblewrap exits, not the process. Start each sandboxed command from a
thread that outlives it (the one that waits for it).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workstream.analysis import home_rules
from workstream.executor import adoptees
from workstream.executor.orphans import reap_session

#: Set to a path to use that bubblewrap instead of the one on ``PATH``.
BWRAP_ENV = "WORKSTREAM_BWRAP"

#: Directories replaced by an empty, private tmpfs in every sandbox.
PRIVATE_DIRS = ("/tmp", "/var/tmp", "/dev/shm")

#: Credentials below HOME that no step needs and a step with network could send away: hidden
#: in every sandbox (an empty read-only folder in their place, or for a file ``/dev/null``,
#: which cannot be opened there: device files are not usable outside ``/dev``), mounted last
#: so that no writable or readable folder shows one again. The list lives with the rules that
#: refuse a ``writable`` entry meeting one (:mod:`workstream.analysis.home_rules`).
SECRETS_IN_HOME = home_rules.SECRETS_IN_HOME


@dataclass(frozen=True, slots=True)
class SandboxSpec:
    """What one step's commands may reach.

    ``writable`` paths that do not exist are created when they lie inside ``HOME`` (a cache
    directory a tool makes on first use, such as ``~/.cache/pip``) and left out otherwise.
    ``cwd`` is where the command starts, inside the worktree (default: the worktree itself).
    ``read_only`` paths inside writable ones stay read-only (an agent's settings in its
    writable folder, :mod:`~workstream.executor.guard`); ``private`` ones are replaced by an
    empty folder of the command's own (Codex's system skills, which it installs at its start).
    """

    worktree: Path
    writable: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()  # shown read-only even under the private directories
    network: bool = True
    log_dir: Path | None = None
    cwd: Path | None = None
    read_only: tuple[Path, ...] = ()
    home: Path | None = None  # the steps' HOME (default: the runner's)
    private: tuple[Path, ...] = ()  # existing folders replaced by an empty, private one


def _namespace_args(network: bool) -> list[str]:
    args = [
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--cap-drop",
        "ALL",
    ]
    if not network:
        args.append("--unshare-net")
    return args


def _base_args(bwrap: str) -> list[str]:
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for folder in PRIVATE_DIRS:
        args += ["--tmpfs", folder]
    for folder in _runtime_dirs():
        args += ["--tmpfs", folder]
    return args


def _hide_secrets(given: Path | None) -> list[str]:
    """Mounts that put an empty read-only folder (or an unopenable file) over each of
    :data:`SECRETS_IN_HOME` that exists (resolved: a link's target is what is hidden)."""
    home = _home(given)
    args: list[str] = []
    if home is None:
        return args
    for rel in SECRETS_IN_HOME:
        path = home / rel
        if not os.path.lexists(path):
            continue
        real = os.path.realpath(path)
        if os.path.isdir(real):
            args += ["--tmpfs", real, "--remount-ro", real]
        elif os.path.exists(real):
            args += ["--ro-bind", "/dev/null", real]
    return args


def _runtime_dirs() -> list[str]:
    """The user's runtime directories (session bus, agents), to hide behind an empty tmpfs."""
    candidates = [os.environ.get("XDG_RUNTIME_DIR", ""), f"/run/user/{os.getuid()}"]
    out: list[str] = []
    for entry in candidates:
        if entry and os.path.isabs(entry) and os.path.isdir(entry):
            real = os.path.realpath(entry)
            if real != "/" and real not in out:
                out.append(real)
    return out


@functools.cache
def find_bwrap() -> str | None:
    """The path of a bubblewrap that works here (probed once per process), or None.

    The probe runs ``true`` with every namespace the sandbox may ask for (the network one
    included), so None also means "installed but unusable here", e.g. where unprivileged user
    namespaces are disabled or a container forbids them. ``find_bwrap.cache_clear()`` probes
    again.
    """
    path = os.environ.get(BWRAP_ENV) or shutil.which("bwrap")
    if not path:
        return None
    try:
        probe = adoptees.spawn(
            lambda: subprocess.Popen(
                [*_base_args(path), *_namespace_args(network=False), "--", "true"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its inner process, if the runner adopts it, is reaped
            )
        )
    except OSError:
        return None
    try:
        code = probe.wait(timeout=10)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.wait()
        return None
    finally:
        reap_session(probe.pid)
        adoptees.release(probe.pid)
    return path if code == 0 else None


def _home(given: Path | None) -> Path | None:
    home = str(given) if given is not None else os.path.expanduser("~")
    return Path(os.path.realpath(home)) if os.path.isabs(home) and home != "/" else None


def _usable(path: Path, *, create: bool, home: Path | None = None) -> Path | None:
    """``path`` resolved, if it exists (or was created inside ``home``, default HOME); None
    to leave it out."""
    real = Path(os.path.realpath(path))
    if os.path.lexists(real):
        return real
    home = _home(home)
    if not create or home is None or not real.is_relative_to(home) or real == home:
        return None
    try:
        real.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return real


def sandbox_argv(bwrap: str, spec: SandboxSpec, argv: Sequence[str]) -> list[str]:
    """The argv that runs ``argv`` inside the sandbox described by ``spec``.

    ``argv[0]`` should already be resolved (an absolute path): it is looked up inside the
    sandbox, where ``/tmp`` is empty.
    """
    out = [*_base_args(bwrap), *_namespace_args(spec.network)]
    mounts: dict[Path, bool] = {}  # path -> writable; a path both readable and writable is rw
    for path in spec.readable:
        real = _usable(path, create=False)
        if real is not None and real not in mounts:
            mounts[real] = False
    worktree = Path(os.path.realpath(spec.worktree))
    mounts[worktree] = True  # always: bubblewrap itself reports a worktree that is missing
    extra = (*spec.writable, *([spec.log_dir] if spec.log_dir is not None else []))
    for path in extra:
        real = _usable(path, create=True, home=spec.home)
        if real is not None:
            mounts[real] = True
    # Parents first, so that a path inside another keeps its own mode (a read-only git dir
    # inside a writable directory, a writable worktree inside a read-only git dir).
    for path in sorted(mounts, key=lambda p: (len(p.parts), mounts[p], str(p))):
        out += ["--bind" if mounts[path] else "--ro-bind", str(path), str(path)]
    for path in spec.read_only:  # last: over the writable folders that hold them
        if os.path.lexists(path) and not os.path.islink(path):
            out += ["--ro-bind", str(path), str(path)]
    for path in spec.private:  # an empty folder of its own, over the read-only one
        if os.path.isdir(path) and not os.path.islink(path):
            out += ["--tmpfs", str(path)]
    out += _hide_secrets(spec.home)  # last: nothing mounted before shows a secret again
    cwd = Path(os.path.realpath(spec.cwd)) if spec.cwd is not None else worktree
    out += ["--chdir", str(cwd), "--", *argv]
    return out
