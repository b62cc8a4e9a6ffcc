"""Argv building: placeholders inside argv items, never through a shell."""

from __future__ import annotations

from workstream.executor.tools import fingerprint, step_argv, substitute
from workstream.model import Step, ToolDef, Workstream


def test_placeholders_are_replaced_inside_items_in_one_pass() -> None:
    prompt = 'it\'s "quoted" $(rm -rf /) `x` {files} {prompt} ; | &'
    argv = substitute(
        ["tool", "-p", "{prompt}", "--id={step_id}/{workstream_id}", "{files}", "all: {files}"],
        {"prompt": prompt, "step_id": "s", "workstream_id": "w"},
        ["a.py", "b c.py"],
    )
    assert argv == ["tool", "-p", prompt, "--id=s/w", "a.py", "b c.py", "all: a.py b c.py"]


def test_files_expands_to_nothing_without_a_scope() -> None:
    model = Workstream("w", steps=[Step("s", 0, tool="aider", tasks=("do it", "and this"))])
    assert step_argv(model, model.steps[0]) == [
        "aider",
        "--yes-always",
        "--no-auto-commits",
        "--message",
        "do it\nand this",
    ]


def test_user_tools_and_shell_steps() -> None:
    model = Workstream(
        "w",
        tools={"claude": ToolDef("claude", ("claude", "-p", "{prompt}"))},
        steps=[
            Step("ai", 0, tool="claude", tasks=("fix {this}",)),
            Step("sh", 1, run="echo hi | tr a-z A-Z"),
            Step("argv", 2, run=("python", "-c", "print(1)")),
        ],
    )
    assert step_argv(model, model.steps[0]) == ["claude", "-p", "fix {this}"]
    assert step_argv(model, model.steps[1], shell="/bin/sh") == [
        "/bin/sh",
        "-c",
        "echo hi | tr a-z A-Z",
    ]
    assert step_argv(model, model.steps[2]) == ["python", "-c", "print(1)"]


def test_fingerprint_ignores_description_and_timeout_but_not_the_command() -> None:
    base = Workstream("w", steps=[Step("s", 0, run="make")])
    same = Workstream("w", steps=[Step("s", 0, run="make", description="x", timeout=5.0)])
    other = Workstream("w", steps=[Step("s", 0, run="make all")])
    assert fingerprint(base, base.steps[0]) == fingerprint(same, same.steps[0])
    assert fingerprint(base, base.steps[0]) != fingerprint(other, other.steps[0])
