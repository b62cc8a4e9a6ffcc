"""The workstream model: plain dataclasses built tolerantly from a parsed document.

Building never fails: a value of the wrong type is left out (the schema check reports it), so
the graph checks still see every step that can be read. Each step remembers its index in
``steps`` so findings can point back at the source.

Numbers are bounded here as in the schema (:data:`MAX_SECONDS` and the rest): a value outside
the bounds is left out too and the default applies, so whoever runs a workstream never sees
``rate_limit_delay: 1e308`` or a negative retry count, even with its findings ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from workstream.builtin_tools import BUILTIN, ToolDef
from workstream.candidates import Candidate, Select, build_candidates, build_select, unit_count
from workstream.conditions import resolve_execution
from workstream.model_values import (
    DEFAULT_MAX_FILE_SIZE,
    MAX_DELAY,
    MAX_GROUP,
    MAX_WORKERS,
    as_breaker,
    as_cluster,
    as_count,
    as_file_size,
    as_integer,
    as_number,
    as_resources,
    as_reuse,
    as_strings,
    as_text,
)
from workstream.sizes import parse_size

#: Tools every workstream knows without a ``tools`` entry.
BUILTIN_TOOLS = ("shell", *BUILTIN)

DEFAULT_TIMEOUT = 1800.0


@dataclass(frozen=True, slots=True)
class Execution:
    """How the steps are run (``execution`` in the file)."""

    parallel: bool = True
    max_workers: int | None = None  # None means "auto": the CPU count
    timeout_per_step: float = DEFAULT_TIMEOUT
    timeout: float | None = None  # seconds for the whole run; None: no limit
    circuit_breaker: int | None = None  # a tool's failures in a row that stop its other steps
    memory_per_step: int | None = None  # bytes of available memory a step needs to start
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes of one file of a step's result
    adaptive_scaling: bool = False  # hold new steps while the load exceeds the CPUs
    fail_fast: bool = False
    retries: int = 0
    rate_limit_delay: float = 0.0
    base: str = "HEAD"
    setup: str | None = None
    copy: tuple[str, ...] = ()
    worktree_dir: str | None = None
    sandbox: bool = True
    network: bool = True
    writable: tuple[str, ...] = ()
    #: worktree reuse between steps: "clean", "keep-ignored", or None (a fresh one per step)
    reuse: str | None = "clean"
    #: a Dask scheduler address or "local:N" (None: steps run on this machine)
    cluster: str | None = None
    #: conditional settings as resolved when the file was read: (name, expression, value now)
    conditional: tuple[tuple[str, str, str], ...] = ()

    @property
    def workers(self) -> int:
        """The number of steps that may run at once."""
        if not self.parallel:
            return 1
        return self.max_workers or os.cpu_count() or 1


@dataclass(slots=True)
class Step:
    """One step of the DAG."""

    id: str
    index: int  # position in the ``steps`` array
    description: str = ""
    tool: str = "shell"
    tasks: tuple[str, ...] = ()
    run: str | tuple[str, ...] | None = None
    depends_on: tuple[str, ...] = ()
    files: tuple[str, ...] | None = None  # None: no scope at all
    acceptance_tests: tuple[str, ...] = ()
    timeout: float | None = None
    retries: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    writable: tuple[str, ...] = ()  # extra directories it may write in the sandbox
    parallel_group: int | None = None  # starts after every lower group finished
    candidates: tuple[Candidate, ...] = ()  # several tries, one chosen (workstream.candidates)
    select: Select | None = None  # how the candidates are chosen among (None: the first)
    resources: tuple[tuple[str, float], ...] = ()  # Dask resources it needs on a cluster

    @property
    def prompt(self) -> str:
        """The tasks joined into one prompt for an AI tool."""
        return "\n".join(self.tasks)

    @property
    def units(self) -> int:
        """How many worktrees the step runs: one, or one per candidate and attempt."""
        return unit_count(self.candidates) if self.candidates else 1


@dataclass(frozen=True, slots=True)
class StepGroup:
    """A named set of steps (``step_groups``): a ``depends_on`` target, run in parallel or in
    the listed order, with its own cap on how many run at once."""

    id: str
    index: int  # position in the ``step_groups`` array
    steps: tuple[str, ...] = ()
    sequential: bool = False
    max_workers: int | None = None


@dataclass(slots=True)
class Workstream:
    """A whole workstream file."""

    id: str
    description: str = ""
    execution: Execution = field(default_factory=Execution)
    tools: dict[str, ToolDef] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    step_groups: list[StepGroup] = field(default_factory=list)
    #: The first group with each id that no step shadows (a step id always wins).
    groups_by_id: dict[str, StepGroup] = field(default_factory=dict)

    def expand(self, deps: tuple[str, ...]) -> tuple[str, ...]:
        """``depends_on`` with each group id replaced by its steps (in the group's order),
        each id once."""
        if not self.groups_by_id:
            return deps
        out: dict[str, None] = {}
        for dep in deps:
            group = self.groups_by_id.get(dep)
            for step_id in group.steps if group is not None else (dep,):
                out.setdefault(step_id, None)
        return tuple(out)

    def step(self, step_id: str) -> Step | None:
        """The first step with this id, if any."""
        for step in self.steps:
            if step.id == step_id:
                return step
        return None

    def tool_names(self) -> list[str]:
        """Every tool a step may name."""
        return [*BUILTIN_TOOLS, *(name for name in self.tools if name not in BUILTIN_TOOLS)]

    def tool_def(self, step: Step) -> ToolDef | None:
        """The definition of a non-shell step's tool (``tools`` first), or None."""
        return self.tools.get(step.tool) or BUILTIN.get(step.tool)

    def bookkeeping(self, step_id: str) -> tuple[str, ...]:
        """What a step's tool keeps for itself in the worktree (never part of its result)."""
        step = self.step(step_id)
        tool = self.tool_def(step) if step is not None and step.tool != "shell" else None
        return tool.bookkeeping if tool is not None else ()

    def circuit_breaker(self, tool: str) -> int | None:
        """How many failures of ``tool`` in a row stop its other steps (None: never).

        The tool's own ``circuit_breaker``, else ``execution.circuit_breaker`` for every tool
        but ``shell`` (whose steps are unrelated commands)."""
        own = self.tools.get(tool)
        if own is not None and own.circuit_breaker is not None:
            return own.circuit_breaker
        return None if tool == "shell" else self.execution.circuit_breaker

    def resources(self, step: Step) -> dict[str, float]:
        """The Dask resources a step needs on a cluster: its tool's, then its own."""
        tool = self.tool_def(step) if step.tool != "shell" else None
        return {**dict(tool.resources if tool is not None else ()), **dict(step.resources)}

    def tool_command(self, step: Step) -> tuple[str, ...] | None:
        """The argv template of a non-shell step's tool, or None for shell / unknown tools."""
        tool = self.tool_def(step)
        return tool.command if tool is not None else None


def _execution(raw: Any) -> Execution:
    if not isinstance(raw, dict):
        return Execution()
    resolved = resolve_execution(raw, os.environ)
    if resolved:  # a conditional setting: its value now, or the default when it has none
        raw = {k: v for k, v in raw.items() if k not in resolved}
        raw.update({k: r.value for k, r in resolved.items() if r.value not in (None, "auto")})
    parallel = raw.get("parallel", True)
    fail_fast = raw.get("fail_fast", False)
    delay = raw.get("rate_limit_delay", 0)
    return Execution(
        parallel=parallel if isinstance(parallel, bool) else True,
        max_workers=as_integer(raw.get("max_workers"), 1, MAX_WORKERS),
        timeout_per_step=as_number(raw.get("timeout_per_step")) or DEFAULT_TIMEOUT,
        timeout=as_number(raw.get("timeout")),
        circuit_breaker=as_breaker(raw.get("circuit_breaker")),
        memory_per_step=parse_size(raw.get("memory_per_step")),
        max_file_size=as_file_size(raw.get("max_file_size")),
        adaptive_scaling=raw.get("adaptive_scaling") is True,
        fail_fast=fail_fast if isinstance(fail_fast, bool) else False,
        retries=as_count(raw.get("retries")) or 0,
        rate_limit_delay=as_number(delay, MAX_DELAY) or 0.0,
        base=as_text(raw.get("base")) or "HEAD",
        setup=as_text(raw.get("setup")) or None,
        copy=as_strings(raw.get("copy")) or (),
        worktree_dir=as_text(raw.get("worktree_dir")) or None,
        sandbox=raw.get("sandbox") is not False,
        network=raw.get("network") is not False,
        writable=as_strings(raw.get("writable")) or (),
        reuse=as_reuse(raw.get("reuse", "clean")),
        cluster=as_cluster(raw.get("cluster")),
        conditional=tuple((k, r.text, r.shown) for k, r in resolved.items()),
    )


def _tools(raw: Any) -> dict[str, ToolDef]:
    """User-defined tools. One named like a built-in that runs the same program keeps the
    built-in's bookkeeping and writable folders unless it gives its own; one that runs another
    program gets none of them (``sh -c …`` named ``claude`` never writes ``~/.claude``)."""
    tools: dict[str, ToolDef] = {}
    if isinstance(raw, dict):
        for name, spec in raw.items():
            if isinstance(spec, dict):
                command = as_strings(spec.get("command"))
                if command:
                    builtin = BUILTIN.get(name)
                    bookkeeping = as_strings(spec.get("bookkeeping"))
                    writable = as_strings(spec.get("writable"))
                    if builtin is not None and command[0] == builtin.command[0]:
                        # the same program with other arguments: what it keeps and writes stays
                        bookkeeping = builtin.bookkeeping if bookkeeping is None else bookkeeping
                        writable = builtin.writable if writable is None else writable
                    tools[name] = ToolDef(
                        name,
                        command,
                        as_text(spec.get("description")),
                        bookkeeping or (),
                        writable or (),
                        circuit_breaker=as_breaker(spec.get("circuit_breaker")),
                        resources=as_resources(spec.get("resources")),
                    )
    return tools


def build_step(raw: dict[str, Any], index: int) -> Step:
    """One step from its raw object (values of the wrong type are left out)."""
    get = raw.get
    step_id, tool, run, env = get("id"), get("tool"), get("run"), get("env")
    description = get("description")
    tasks, depends_on = get("tasks"), get("depends_on")
    files, tests = get("files"), get("acceptance_tests")
    timeout, retries = get("timeout"), get("retries")
    return Step(
        id=step_id if step_id.__class__ is str else "",
        index=index,
        description=description if description.__class__ is str else "",
        tool=tool if tool.__class__ is str and tool else "shell",
        tasks=as_strings(tasks) or () if tasks is not None else (),
        run=run if run.__class__ is str and run else (as_strings(run) or None),
        depends_on=as_strings(depends_on) or () if depends_on is not None else (),
        files=as_strings(files) if files is not None else None,
        acceptance_tests=as_strings(tests) or () if tests is not None else (),
        timeout=as_number(timeout) if timeout is not None else None,
        retries=as_count(retries) if retries is not None else None,
        env={k: v for k, v in env.items() if isinstance(v, str)} if env.__class__ is dict else {},
        writable=as_strings(get("writable")) or (),
        parallel_group=as_integer(get("parallel_group"), 0, MAX_GROUP),
        candidates=build_candidates(get("candidates")),
        select=build_select(get("select")),
        resources=as_resources(get("resources")),
    )


def build(value: Any) -> Workstream | None:
    """Build the model from a parsed JSON value; None when it is not a JSON object.

    Steps whose id is missing or not a string are kept with an empty id so that indices
    line up with the document; the checks skip them.
    """
    if not isinstance(value, dict):
        return None
    raw_steps = value.get("steps")
    steps = [
        build_step(raw, index)
        for index, raw in enumerate(raw_steps if isinstance(raw_steps, list) else [])
        if isinstance(raw, dict)
    ]
    groups = _step_groups(value.get("step_groups"))
    step_ids = {step.id for step in steps}
    by_id: dict[str, StepGroup] = {}
    for group in groups:
        if group.id and group.id not in step_ids:
            by_id.setdefault(group.id, group)
    return Workstream(
        id=as_text(value.get("id")),
        description=as_text(value.get("description")),
        execution=_execution(value.get("execution")),
        tools=_tools(value.get("tools")),
        steps=steps,
        step_groups=groups,
        groups_by_id=by_id,
    )


def _step_groups(raw: Any) -> list[StepGroup]:
    """The ``step_groups`` entries that are objects (others are WS002's)."""
    if not isinstance(raw, list):
        return []
    return [
        StepGroup(
            id=as_text(item.get("id")),
            index=index,
            steps=as_strings(item.get("steps")) or (),
            sequential=item.get("execute") == "sequential",
            max_workers=as_integer(item.get("max_workers"), 1, MAX_WORKERS),
        )
        for index, item in enumerate(raw)
        if isinstance(item, dict)
    ]
