"""The commands of one step (setup, tool, acceptance tests): environment, sandbox, outcome.

Each command runs in the step's worktree with the run's environment, minus every variable
that would redirect git, plus the step's ``env`` and ``WORKSTREAM_*``, with the worktree's
Python import roots first in ``PYTHONPATH`` and, after a setup that made ``<worktree>/.venv``,
inside that environment (:mod:`pyenv`). The step's own git writes its objects to a private
object directory (``GIT_OBJECT_DIRECTORY``, reading the repository's through
``GIT_ALTERNATE_OBJECT_DIRECTORIES``), so nothing it commits lands in the user's object store;
its result is judged from its worktree's files anyway. Under the sandbox, the worktree, its
git admin directory, that object directory and the configured ``writable`` directories are all
it may write.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from workstream.analysis.home_rules import SECRETS_IN_HOME, home_problem
from workstream.analysis.path_rules import PROTECTED_SYSTEM, overlap
from workstream.executor.context import AttemptResult, RunContext
from workstream.executor.errors import ExecutorError
from workstream.executor.events import Reason
from workstream.executor.gitops import clean_env
from workstream.executor.guard import guarded_within, quiet_within
from workstream.executor.logs import CappedLog
from workstream.executor.orphans import new_token
from workstream.executor.process import Outcome, run_command
from workstream.executor.pyenv import read_only_env_hint, step_env, worktree_venv_env
from workstream.executor.sandbox import SandboxSpec, sandbox_argv
from workstream.model import Step

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class StepCommands:
    """Runs one step's commands and writes what they print to its log and to the run."""

    def __init__(
        self, ctx: RunContext, step: Step, log: CappedLog, *, deadline: float, timeout: float
    ) -> None:
        self.ctx = ctx
        self.step = step
        self.log = log
        self.deadline = deadline
        self.timeout = timeout
        # The setting the timeout comes from, as a user would look for it.
        self.timeout_source = "the step's timeout" if step.timeout else "execution.timeout_per_step"
        self.cwd: Path | None = None
        self.env: dict[str, str] = {}
        self.spec: SandboxSpec | None = None
        self.tail: deque[str] = deque(maxlen=200)  # the last lines of the last command

    def say(self, line: str) -> None:
        """A line in the log and in the run's output."""
        self.log.write(line + "\n")
        self.log.flush()
        self.ctx.emit_line(self.step.id, line)

    def prepare(
        self,
        worktree: Path,
        admin: Path,
        scratch: Path,
        port: int,
        transcript: Path | None = None,
    ) -> None:
        """Set the environment and the sandbox for commands in ``worktree``.

        Under the sandbox the step may also write its tool's ``writable`` folders and its
        ``transcript`` file (next to its log).
        """
        ctx, step = self.ctx, self.step
        objects = scratch / "objects"
        (objects / "info").mkdir(parents=True, exist_ok=True)
        (objects / "pack").mkdir(parents=True, exist_ok=True)
        env = clean_env(ctx.env)
        for name, value in step.env.items():
            if not _ENV_NAME.fullmatch(name) or "\0" in value:
                raise ExecutorError(f"env: {name!r} is not a usable environment variable")
        env.update(step.env)
        env = clean_env(env)  # a step's env cannot redirect git either
        env.update(
            WORKSTREAM_ID=ctx.model.id,
            WORKSTREAM_STEP=step.id,
            WORKSTREAM_RUN=ctx.run_id,
            WORKSTREAM_PORT=str(port),
            GIT_OBJECT_DIRECTORY=str(objects),
            GIT_ALTERNATE_OBJECT_DIRECTORIES=str(ctx.git_dir / "objects"),
        )
        env = step_env(worktree, env)  # the worktree's Python code before any installed copy
        self.env, self.cwd = env, worktree
        if ctx.sandbox is not None:
            tool = ctx.model.tool_def(step) if step.tool != "shell" else None
            folders = (*step.writable, *(tool.writable if tool is not None else ()))
            home = step_home(ctx.env)  # the run's HOME: a step's own env cannot move it
            extra = tuple(in_home(p, home) for p in folders)
            refused = writable_refusal((*ctx.sandbox.writable, *extra), env)
            if refused is not None:
                raise ExecutorError(f"not run: {refused}")
            guarded = guarded_within((*ctx.sandbox.writable, *extra), home)
            private = quiet_within((*ctx.sandbox.writable, *extra), home)
            if transcript is not None:
                extra += (transcript,)
            self.spec = SandboxSpec(
                worktree=worktree,
                writable=(admin, objects, *ctx.sandbox.writable, *extra),
                readable=(ctx.git_dir, *_hidden_path_dirs(env)),
                network=ctx.sandbox.network,
                read_only=guarded,
                home=home,
                private=private,
            )

    def enter_worktree_venv(self) -> None:
        """After setup: run the tool and tests in ``<worktree>/.venv`` if setup made one."""
        assert self.cwd is not None
        env = worktree_venv_env(self.cwd, self.env)
        if env != self.env:
            self.say(f"using the worktree's Python environment {env['VIRTUAL_ENV']}")
            self.env = env

    def _line(self, line: str) -> None:
        self.tail.append(line)
        self.say(line)

    def run(self, argv: Sequence[str], label: str) -> Outcome:
        """Run one command to its end, the step's deadline or the run's cancellation."""
        assert self.cwd is not None
        self.say(f"$ {label}")
        self.tail.clear()
        wrap = None
        if self.spec is not None and self.ctx.sandbox is not None:
            bwrap, spec = self.ctx.sandbox.bwrap, self.spec

            def wrap(resolved: list[str]) -> list[str]:
                return sandbox_argv(bwrap, spec, resolved)

        token = new_token()  # recorded with the group: after a crash, recovery finds daemons by it
        outcome = run_command(
            argv,
            cwd=self.cwd,
            env=self.env,
            deadline=self.deadline,
            cancel=self.ctx.cancel,
            on_line=self._line,
            on_start=lambda pid: self.ctx.on_pid(self.step.id, pid, token),
            token=token,
            grace=self.ctx.grace,
            wrap=wrap,
        )
        self.ctx.on_pid(self.step.id, None, "")
        return outcome


def failure(commands: StepCommands, outcome: Outcome, what: str) -> AttemptResult | None:
    """None for a success; otherwise the attempt's result, with a one-line message."""
    if outcome.ok:
        return None
    if outcome.missing is not None:
        message = f"{what}: command not found: {outcome.missing!r} is not on PATH"
        reason: Reason = "missing_tool"
    elif outcome.cancelled:
        commands.say("cancelled: stopped its processes")
        return AttemptResult("cancelled", f"cancelled during {what}")
    elif outcome.timed_out or time.monotonic() > commands.deadline:
        message = (
            f"timed out after {commands.timeout:g}s ({commands.timeout_source}) "
            f"during {what}; its processes were killed"
        )
        reason = "timeout"
    else:
        code = outcome.returncode
        detail = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
        message = f"{what} failed ({detail})"
        hint = read_only_env_hint(commands.tail, code, commands.env)
        if hint is not None:  # a pip install into the user's (read-only) environment
            message += f"; {hint}"
        reason = "exit"
    commands.say(message)
    return AttemptResult("failed", message, reason)


def _hidden(path: Path) -> bool:
    """Below /tmp or /var/tmp, which the sandbox replaces with a private /tmp."""
    return path.is_absolute() and (path.parts[1:2] == ("tmp",) or path.parts[1:3] == ("var", "tmp"))


#: Entries of one hidden PATH folder looked at for symlinks (a huge folder is not walked).
_SCAN_LIMIT = 2000


def _hidden_path_dirs(env: dict[str, str]) -> tuple[Path, ...]:
    """Directories of ``PATH`` and the active virtualenv that the sandbox's private /tmp would
    hide (shown read-only), and where their symlinked programs really live when that is
    hidden too (a ``node_modules/.bin`` entry: the whole ``node_modules``; else the target's
    folder)."""
    out: dict[Path, None] = {}
    for entry in [*env.get("PATH", "").split(os.pathsep), env.get("VIRTUAL_ENV", "")]:
        path = Path(entry)
        if not (_hidden(path) and path.is_dir()):
            continue
        out[path] = None
        try:
            entries = list(itertools.islice(os.scandir(path), _SCAN_LIMIT))
        except OSError:
            continue
        for item in entries:
            if not item.is_symlink():
                continue
            target = Path(os.path.realpath(item.path))
            if not _hidden(target) or not target.exists():
                continue
            modules = [i for i, part in enumerate(target.parts) if part == "node_modules"]
            home = Path(*target.parts[: modules[0] + 1]) if modules else target.parent
            out[home] = None
    return tuple(out)


def step_home(env: Mapping[str, str]) -> Path:
    """The HOME the steps see (the run's environment's, else the runner's)."""
    return Path(env.get("HOME") or Path.home())


def in_home(entry: str, home: Path) -> Path:
    """A ``writable`` entry as a path: ``~/x`` below ``home``."""
    return home / entry[2:] if entry.startswith("~/") else Path(entry)


def writable_refusal(folders: Sequence[Path], env: dict[str, str]) -> str | None:
    """Why the sandbox must not make one of ``folders`` writable, or None: the checks' WS207
    rules again, on the disk with links resolved (below HOME only caches, state and the
    agents' data; never a hidden secret, whatever links lead to it), and it must not be,
    hold or lie inside a folder on the step's ``PATH`` (a program planted there would run
    outside the sandbox)."""
    home_path = Path(os.path.realpath(step_home(env)))
    home = home_path.parts
    on_path = [Path(os.path.realpath(p)).parts for p in env.get("PATH", "").split(os.pathsep) if p]
    secrets = [
        Path(os.path.realpath(home_path / s)).parts
        for s in SECRETS_IN_HOME
        if os.path.lexists(home_path / s)
    ]
    for folder in folders:
        parts = Path(os.path.realpath(folder)).parts
        for bin_dir in on_path:
            if overlap(parts, bin_dir):
                return (
                    f"writable {folder} would let a step write {Path(*bin_dir)}, a folder on "
                    "PATH (a program planted there would run outside the sandbox)"
                )
        for secret in secrets:
            if overlap(parts, secret):
                return (
                    f"writable {folder} would show {Path(*secret)}, your credentials, which "
                    "the sandbox hides"
                )
        if parts[: len(home)] == home and len(home) > 1:
            rest = parts[len(home) :]
            problem = home_problem(rest) if rest else "is your whole home folder"
            if problem is not None:
                return f"writable {folder} (below your home, ~/{'/'.join(rest)}) {problem}"
            continue
        if len(home) > 1 and home[: len(parts)] == parts:
            return f"writable {folder} holds your home folder {home_path}"
        for protected in PROTECTED_SYSTEM:
            if overlap(parts[1:], protected):
                return (
                    f"writable {folder} would let a step write {Path('/', *protected)}, which "
                    "your system reads outside the sandbox"
                )
    return None
