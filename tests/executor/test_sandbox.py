"""The sandbox, on real bubblewrap: what a step may write, see and leave behind.

Each test builds a real repository with a worktree where the executor puts them
(``<repo>/.git/workstream/<id>/worktrees/<step>``) and runs shell commands through
:func:`sandbox_argv` exactly as the executor does (a new session, the spec it builds: the
worktree and its git admin directory writable, the git dir readable). Repositories live both
below ``HOME`` (where a user's are: everything outside the worktree is read-only) and below
``/tmp`` (hidden by the sandbox's private ``/tmp``: writes there land in that private copy).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from workstream.executor.sandbox import SandboxSpec, find_bwrap, sandbox_argv

BWRAP = find_bwrap()
pytestmark = pytest.mark.skipif(
    BWRAP is None, reason="bubblewrap is missing or cannot create namespaces here"
)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@dataclass(frozen=True)
class Layout:
    """A user's repository and one step's worktree inside its ``.git``."""

    root: Path
    git_dir: Path
    worktree: Path
    admin: Path  # the worktree's git admin directory (its HEAD and index)
    objects: Path  # the step's private object directory

    @property
    def spec(self) -> SandboxSpec:
        """The spec the executor builds for a step in this worktree."""
        return SandboxSpec(
            worktree=self.worktree,
            writable=(self.admin, self.objects),
            readable=(self.git_dir,),
        )


def _private_home() -> bool:
    home = Path(os.path.realpath(Path.home()))
    return any(home.is_relative_to(p) for p in ("/tmp", "/var/tmp", "/dev/shm"))


@pytest.fixture(params=["home", "tmp"])
def layout(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Layout]:
    """A repository below HOME or below /tmp, with a step's worktree and private objects."""
    if request.param == "home":
        if _private_home():
            pytest.skip("HOME lies inside a directory the sandbox makes private")
        parent = Path.home() / ".cache" / "workstream-tests"
        parent.mkdir(parents=True, exist_ok=True)
        base = Path(tempfile.mkdtemp(prefix="sandbox-", dir=parent))
    else:
        base = tmp_path
    root = Path(os.path.realpath(base)) / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test User")
    git(root, "config", "user.email", "test@example.com")
    (root / "tracked.txt").write_text("original\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    git_dir = root / ".git"
    worktree = git_dir / "workstream" / "ws" / "worktrees" / "step"
    git(root, "worktree", "add", "-q", "--detach", str(worktree), "HEAD")
    admin = Path(git(worktree, "rev-parse", "--absolute-git-dir").strip())
    objects = git_dir / "workstream" / "ws" / "scratch" / "objects"
    (objects / "info").mkdir(parents=True)
    (objects / "pack").mkdir()
    yield Layout(root, git_dir, worktree, admin, objects)
    if request.param == "home":
        shutil.rmtree(base, ignore_errors=True)


def sandboxed(
    spec: SandboxSpec, script: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``sh -c script`` in the sandbox, in a new session, as the executor does."""
    assert BWRAP is not None
    return subprocess.run(
        sandbox_argv(BWRAP, spec, ["/bin/sh", "-c", script]),
        cwd=spec.worktree,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )


def test_a_step_writes_its_worktree_and_its_own_git_works(layout: Layout) -> None:
    env = {
        **os.environ,
        "GIT_OBJECT_DIRECTORY": str(layout.objects),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(layout.git_dir / "objects"),
    }
    script = (
        "set -e; echo new > new.txt; mkdir -p sub && echo deep > sub/deep.txt; "
        "git add -A; git -c user.name=s -c user.email=s@x commit -q -m step; "
        "git rev-parse HEAD"
    )
    proc = sandboxed(layout.spec, script, env)
    assert proc.returncode == 0, proc.stderr
    commit = proc.stdout.strip()
    assert (layout.worktree / "sub" / "deep.txt").read_text() == "deep\n"
    assert (layout.objects / commit[:2] / commit[2:]).is_file()  # in the private store only
    assert not (layout.git_dir / "objects" / commit[:2] / commit[2:]).exists()
    assert git(layout.root, "rev-parse", "main") != commit


def _targets(layout: Layout) -> dict[str, Path]:
    common = git(layout.worktree, "rev-parse", "--path-format=absolute", "--git-common-dir")
    head = git(layout.root, "rev-parse", "HEAD").strip()
    return {
        "common config": Path(common.strip()).resolve() / "config",
        "hook": layout.git_dir / "hooks" / "post-checkout",
        "ref": layout.git_dir / "refs" / "heads" / "x",
        "object": layout.git_dir / "objects" / head[:2] / head[2:],
        "HEAD": layout.git_dir / "HEAD",
        "tracked file": layout.root / "tracked.txt",
        "new file in the tree": layout.root / "new.txt",
    }


def _state(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return b"<unreadable>"


def test_the_users_repository_is_read_only(layout: Layout) -> None:
    in_tmp = layout.root.is_relative_to("/tmp")
    for what, target in _targets(layout).items():
        before = _state(target)
        proc = sandboxed(layout.spec, f"echo evil >> '{target}'")
        assert _state(target) == before, f"{what} changed on the host"
        if in_tmp and not target.is_relative_to(layout.git_dir):
            continue  # the tree is hidden by the private /tmp: the write went to that copy
        assert proc.returncode != 0, f"writing the {what} succeeded"
        assert "Read-only file system" in proc.stderr or "Permission denied" in proc.stderr


def test_git_inside_cannot_touch_the_users_config_or_refs(layout: Layout) -> None:
    config = (layout.git_dir / "config").read_bytes()
    for script in (
        "git config core.fsmonitor 'touch /tmp/pwned'",
        "git update-ref refs/heads/evil HEAD",
        "git branch evil",
        "git tag evil",
        "git config --global alias.st '!touch /tmp/pwned'",
    ):
        proc = sandboxed(layout.spec, script)
        assert proc.returncode != 0, f"{script!r} succeeded"
    assert (layout.git_dir / "config").read_bytes() == config
    assert git(layout.root, "for-each-ref", "--format=%(refname)") == "refs/heads/main\n"


def test_home_and_etc_are_read_only(layout: Layout) -> None:
    name = f"ws-sandbox-{uuid.uuid4().hex}"
    for folder in (Path.home(), Path("/etc"), Path("/usr")):
        proc = sandboxed(layout.spec, f"echo x > '{folder / name}'")
        assert proc.returncode != 0 and "Read-only file system" in proc.stderr
        assert not (folder / name).exists()


def test_tmp_var_tmp_and_dev_shm_are_private_and_empty(layout: Layout) -> None:
    name = f"ws-sandbox-{uuid.uuid4().hex}"
    host = Path(tempfile.gettempdir()) / f"{name}-host"
    host.write_text("host\n")
    try:
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            proc = sandboxed(
                layout.spec,
                f"test ! -e '{host}' && echo inside > {folder}/{name} && cat {folder}/{name}",
            )
            assert proc.returncode == 0 and proc.stdout == "inside\n", proc.stderr
            assert not Path(folder, name).exists()
    finally:
        host.unlink()


def test_the_users_runtime_directory_is_hidden(
    layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    if layout.root.is_relative_to("/tmp"):
        pytest.skip("the runtime directory stands in below HOME only")
    runtime = layout.root.parent / "run-user"
    runtime.mkdir()
    (runtime / "bus").write_text("a session bus\n")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    proc = sandboxed(layout.spec, f"ls -A '{runtime}'")
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout


def test_no_capabilities_even_as_root(layout: Layout) -> None:
    script = "grep '^CapEff:' /proc/self/status; grep '^CapPrm:' /proc/self/status"
    proc = sandboxed(layout.spec, script)
    assert proc.returncode == 0
    assert {line.split()[1] for line in proc.stdout.splitlines()} == {"0000000000000000"}
    remount = sandboxed(layout.spec, "mount -o remount,rw,bind / && echo remounted")
    assert "remounted" not in remount.stdout


def test_the_environment_is_unchanged(layout: Layout) -> None:
    env = {**os.environ, "WS_PROBE": "kept"}
    script = 'printf "%s\\n%s\\n%s\\n%s" "$PATH" "$HOME" "$WS_PROBE" "$PWD"'
    proc = sandboxed(layout.spec, script, env)
    assert proc.stdout.splitlines() == [
        os.environ["PATH"],
        os.environ["HOME"],
        "kept",
        str(layout.worktree),
    ]


def test_cwd_is_where_the_command_starts(layout: Layout) -> None:
    (layout.worktree / "sub").mkdir()
    proc = sandboxed(replace(layout.spec, cwd=layout.worktree / "sub"), "pwd")
    assert proc.stdout.strip() == str(layout.worktree / "sub")


def test_writable_paths_extend_it_and_missing_ones_are_created_only_in_home(
    layout: Layout,
) -> None:
    if layout.root.is_relative_to("/tmp"):
        pytest.skip("needs a directory below HOME")
    cache = layout.root.parent / "cache" / "pip"  # below HOME, missing
    elsewhere = Path("/opt") / f"ws-missing-{uuid.uuid4().hex}"
    spec = replace(layout.spec, writable=(*layout.spec.writable, cache, elsewhere))
    argv = sandbox_argv(BWRAP or "bwrap", spec, ["true"])
    assert cache.is_dir() and str(cache) in argv
    assert not elsewhere.exists() and str(elsewhere) not in argv
    proc = sandboxed(spec, f"echo cached > '{cache}/wheel' && echo x > '{layout.root.parent}/x'")
    assert (cache / "wheel").read_text() == "cached\n"
    assert proc.returncode != 0 and not (layout.root.parent / "x").exists()


def test_a_readable_path_inside_a_writable_one_stays_read_only(layout: Layout) -> None:
    if layout.root.is_relative_to("/tmp"):
        pytest.skip("needs a directory below HOME")
    spec = replace(layout.spec, writable=(*layout.spec.writable, layout.root))
    proc = sandboxed(spec, "echo mine > tracked-by-step.txt; echo x >> ../../../../config")
    assert (layout.worktree / "tracked-by-step.txt").exists()
    assert proc.returncode != 0 and b"x\n" not in (layout.git_dir / "config").read_bytes()
    ok = sandboxed(spec, f"echo widened > '{layout.root}/widened.txt'")
    assert ok.returncode == 0  # the user asked for the whole repository: they get it


@pytest.fixture
def server() -> Iterator[int]:
    """A TCP server on the host's 127.0.0.1; yields its port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


CONNECT = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5).close()\n"
    "except OSError as e:\n"
    "    sys.exit(f'no connection: {e}')\n"
)


def test_without_network_only_its_own_loopback(layout: Layout, server: int) -> None:
    spec = replace(layout.spec, network=False)
    assert BWRAP is not None
    # The base interpreter: a virtualenv under /tmp (a clone there) is hidden in the sandbox.
    argv = [os.path.realpath(sys.executable), "-c", CONNECT, str(server)]
    off = subprocess.run(sandbox_argv(BWRAP, spec, argv), capture_output=True, text=True)
    assert off.returncode != 0 and "no connection" in off.stderr
    on = subprocess.run(sandbox_argv(BWRAP, layout.spec, argv), capture_output=True, text=True)
    assert on.returncode == 0, on.stderr
    proc = sandboxed(spec, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
    assert proc.stdout.split() == ["lo"]


def test_find_bwrap_is_none_for_a_bwrap_that_does_not_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "bwrap"
    broken.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    find_bwrap.cache_clear()
    try:
        monkeypatch.setenv("WORKSTREAM_BWRAP", str(broken))
        assert find_bwrap() is None
        monkeypatch.setenv("WORKSTREAM_BWRAP", str(tmp_path / "missing"))
        find_bwrap.cache_clear()
        assert find_bwrap() is None
    finally:
        monkeypatch.delenv("WORKSTREAM_BWRAP")
        find_bwrap.cache_clear()
    assert find_bwrap() == BWRAP


def test_the_probe_is_cached() -> None:
    assert find_bwrap() == BWRAP
    began = time.perf_counter()
    for _ in range(100):
        find_bwrap()
    assert time.perf_counter() - began < 0.01


def test_credentials_in_home_are_hidden(layout: Layout) -> None:
    """A step with network could send away what it reads: ``~/.ssh``, ``~/.netrc``, a linked
    ``~/.aws``… are empty in the sandbox, while the rest of HOME stays readable."""
    if _private_home():
        pytest.skip("HOME lies inside a directory the sandbox makes private")
    parent = Path.home() / ".cache" / "workstream-tests"
    parent.mkdir(parents=True, exist_ok=True)
    home = Path(os.path.realpath(tempfile.mkdtemp(prefix="home-", dir=parent)))
    try:
        (home / ".ssh").mkdir()
        (home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY\n")
        (home / ".netrc").write_text("machine x login me password secret\n")
        (home / "elsewhere").mkdir()
        (home / "elsewhere" / "credentials").write_text("[default] key=secret\n")
        (home / ".aws").symlink_to(home / "elsewhere")
        (home / ".config" / "tool").mkdir(parents=True)
        (home / ".config" / "tool" / "settings").write_text("visible\n")
        spec = replace(layout.spec, home=home)
        proc = sandboxed(
            spec,
            f"cat '{home}/.config/tool/settings'; ls -A '{home}/.ssh' '{home}/.aws'; "
            f"cat '{home}/.netrc' 2>&1; cat '{home}/.ssh/id_ed25519' 2>&1; "
            f"touch '{home}/.ssh/x' 2>&1 || echo refused",
        )
        assert proc.stdout.splitlines()[0] == "visible", proc.stdout + proc.stderr
        assert "PRIVATE KEY" not in proc.stdout and "secret" not in proc.stdout
        assert "No such file" in proc.stdout and proc.stdout.rstrip().endswith("refused")
        assert "Permission denied" in proc.stdout  # the .netrc: a device no one may open
        assert (home / ".ssh" / "id_ed25519").read_text() == "PRIVATE KEY\n"  # untouched
    finally:
        shutil.rmtree(home)
