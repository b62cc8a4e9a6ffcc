"""Argv building: placeholders inside argv items, never through a shell."""

from __future__ import annotations

from workstream.executor.tools import fingerprint, option_hazard, step_argv, substitute
from workstream.model import Step, ToolDef, Workstream, build


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
    argv = step_argv(model, model.steps[0], transcript="/logs/s.transcript.md")
    assert argv[0] == "aider"
    assert argv[-2:] == ["--message=do it\nand this", "--"]
    assert "--chat-history-file=/logs/s.transcript.md" in argv


def test_the_builtin_aider_never_takes_a_prompt_or_file_as_an_option() -> None:
    step = Step("s", 0, tool="aider", tasks=("--help me",), files=("a.py", "b.py"))
    model = Workstream("w", steps=[step])
    argv = step_argv(model, step)
    assert argv[argv.index("--") :] == ["--", "a.py", "b.py"]
    assert "--message=--help me" in argv
    assert "--yes-always" in argv and "--no-gitignore" in argv and "--no-analytics" in argv
    # Under --yes-always a model warning would open a browser ("Open documentation url?").
    assert "--no-show-model-warnings" in argv
    assert option_hazard(model, step) is None


def test_a_dash_prompt_or_file_is_refused_where_the_tool_would_read_it_as_an_option() -> None:
    tools = {
        "bare": ToolDef("bare", ("agent", "-p", "{prompt}", "{files}")),
        "safe": ToolDef("safe", ("agent", "-p", "--", "{prompt}", "{files}")),
    }
    dash_prompt = Step("p", 0, tool="bare", tasks=("--rm everything",))
    dash_file = Step("f", 1, tool="bare", tasks=("fine",), files=("-x.py",))
    fine = Step("ok", 2, tool="bare", tasks=("fine",), files=("x.py",))
    guarded = Step("g", 3, tool="safe", tasks=("--anything",), files=("-x.py",))
    model = Workstream("w", tools=tools, steps=[dash_prompt, dash_file, fine, guarded])
    assert "prompt starts with '-'" in (option_hazard(model, dash_prompt) or "")
    assert "'-x.py'" in (option_hazard(model, dash_file) or "")
    assert option_hazard(model, fine) is None
    assert option_hazard(model, guarded) is None


def test_a_user_tool_named_like_a_builtin_keeps_its_bookkeeping() -> None:
    model = build(
        {
            "id": "w",
            "tools": {
                "aider": {"command": ["aider", "--message={prompt}"]},
                "mine": {"command": ["mine", "{prompt}"], "bookkeeping": [".mine"]},
            },
            "steps": [{"id": "a", "tool": "aider"}, {"id": "m", "tool": "mine"}, {"id": "s"}],
        }
    )
    assert model is not None
    assert model.bookkeeping("a") == (".aider*",)
    assert model.bookkeeping("m") == (".mine",)
    assert model.bookkeeping("s") == ()


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
