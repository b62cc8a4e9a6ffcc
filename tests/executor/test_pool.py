"""The worktree pool (``execution.reuse``) tried against what could leak from step to step.

Real git, real runs, one worker so that consecutive steps really share one pooled worktree
(each test checks they did). A step leaves behind what a careless or hostile one would: a
changed tracked file, untracked and ignored files (from an acceptance test, after its result
was taken), a broken ``.git``, a stale lock, a read-only folder. The next step must see a
tree exactly like a fresh worktree's (with ``keep-ignored``: plus the ignored files), and
nothing left behind may reach a result.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, Repo, run, statuses, ws
from workstream.executor import Event, Executor, RunOptions, StepStarted

LEAVE_MESS = (
    "printf junk > untracked.txt; printf tampered >> README.md; mkdir -p __pycache__ notes; "
    "printf p > __pycache__/x.pyc; printf n > notes/n.txt; "
    "printf 'secret.txt\\n' > notes/.gitignore; printf s > notes/secret.txt"
)
LOOK = (
    "{ pwd; cat README.md; for f in untracked.txt __pycache__/x.pyc notes/n.txt "
    "notes/secret.txt notes/.gitignore; do test -e $f && echo has $f; done; true; } > seen.txt"
)


def two_steps(repo: Repo, reuse: object, **execution: object) -> Path:
    return repo.workstream(
        ws(
            {
                "id": "a",
                "run": "pwd > a.txt",
                "files": ["a.txt"],
                "acceptance_tests": [LEAVE_MESS],
            },
            {"id": "b", "run": LOOK, "files": ["seen.txt"], "depends_on": ["a"]},
            max_workers=1,
            reuse=reuse,
            **execution,
        )
    )


@pytest.mark.parametrize("reuse", ["clean", "keep-ignored", False])
def test_a_step_never_sees_what_the_step_before_it_left_in_the_worktree(
    repo: Repo, reuse: object
) -> None:
    result, _ = run(two_steps(repo, reuse))
    assert result.status == "succeeded", result.state.message
    where_a = repo.show("workstream/ws-test/step/a", "a.txt").strip()
    seen = repo.show("workstream/ws-test/step/b", "seen.txt").splitlines()
    assert (seen[0] == where_a) == (reuse is not False)  # the pool: the same worktree
    assert seen[1:2] == ["# scratch"]  # the tracked file as the start point has it
    leftovers = [line for line in seen if line.startswith("has ")]
    # untracked files (and an untracked .gitignore that would hide one) never survive;
    # ignored ones only with keep-ignored, and only those the start point's rules ignore
    assert leftovers == (["has __pycache__/x.pyc"] if reuse == "keep-ignored" else [])
    assert repo.files("workstream/ws-test/step/b") == {
        ".gitignore",
        "README.md",
        "plan.workstream.json",
        "a.txt",
        "seen.txt",
    }
    assert repo.worktrees() == [str(repo.root)]  # no step's worktree stays
    pooled = [Path(p).name for p in repo.worktrees(pool=True)[1:]]
    assert pooled == ([] if reuse is False else [".pool-0"])  # idle, for the next run


@pytest.mark.parametrize("reuse", ["clean", "keep-ignored"])
def test_a_venv_made_by_setup_is_reused_only_with_keep_ignored_and_never_committed(
    repo: Repo, reuse: str
) -> None:
    repo.write(".gitignore", "__pycache__/\n*.pyc\n.venv/\n")
    path = repo.workstream(
        ws(
            {"id": "a", "run": "wc -l < .venv/made > a.txt", "files": ["a.txt"]},
            {"id": "b", "run": "wc -l < .venv/made > b.txt", "files": ["b.txt"]},
            {"id": "c", "run": "wc -l < .venv/made > c.txt", "files": ["c.txt"]},
            max_workers=1,
            reuse=reuse,
            setup="mkdir -p .venv/bin && echo once >> .venv/made",
        )
    )
    result, _ = run(path)
    assert result.status == "succeeded", result.state.message
    counts = sorted(int(repo.show(f"workstream/ws-test/step/{s}", f"{s}.txt")) for s in "abc")
    assert counts == ([1, 2, 3] if reuse == "keep-ignored" else [1, 1, 1])
    for step in "abc":
        assert not any(f.startswith(".venv") for f in repo.files(f"workstream/ws-test/step/{step}"))
    assert not any(f.startswith(".venv") for f in repo.files("workstream/ws-test/result"))


@pytest.mark.parametrize("reuse", ["clean", "keep-ignored"])
def test_files_ignored_only_by_the_last_result_never_reach_a_step_from_another_start(
    repo: Repo, reuse: str
) -> None:
    # a's result ignores cache/, where its acceptance test writes; b starts from the base,
    # whose rules do not ignore it: moved there from a's result, its worktree has none of it
    path = repo.workstream(
        ws(
            {
                "id": "a",
                "run": "pwd > a.txt; printf 'cache/\\n' >> .gitignore",
                "files": ["a.txt", ".gitignore"],
                "acceptance_tests": ["mkdir -p cache && printf x > cache/x"],
            },
            {
                "id": "b",
                "run": "{ pwd; test -e cache/x && echo has cache/x; true; } > b.txt",
                "files": ["b.txt"],
            },
            max_workers=1,
            reuse=reuse,
        )
    )
    result, _ = run(path)
    assert statuses(result) == {"a": "succeeded", "b": "succeeded"}
    seen = repo.show("workstream/ws-test/step/b", "b.txt").splitlines()
    assert seen == [repo.show("workstream/ws-test/step/a", "a.txt").strip()]  # one worktree
    assert repo.worktrees() == [str(repo.root)]


@pytest.mark.parametrize(
    "damage",
    [
        "rm -f .git",
        'touch "$(git rev-parse --git-dir)/index.lock" "$(git rev-parse --git-dir)/HEAD.lock"',
        "mkdir -p ro/deep && printf x > ro/deep/f && chmod 555 ro/deep ro",
        "chmod 555 .",
        "printf x > .git",
        "git checkout -q --detach && git rm -q README.md && printf x > stray",
    ],
    ids=["no-dot-git", "locks", "read-only-folder", "read-only-root", "bad-dot-git", "commit"],
)
@pytest.mark.parametrize("reuse", ["clean", "keep-ignored"])
def test_a_step_that_damages_its_pooled_worktree_does_not_poison_the_next(
    repo: Repo, reuse: str, damage: str
) -> None:
    path = repo.workstream(
        ws(
            {
                "id": "a",
                "run": "printf a > a.txt",
                "files": ["a.txt"],
                "acceptance_tests": [damage],
            },
            {"id": "b", "run": LOOK, "files": ["seen.txt"], "depends_on": ["a"]},
            {
                "id": "c",
                "run": 's=$(git status --porcelain); printf %s "$s" > c.txt',
                "files": ["c.txt"],
            },
            max_workers=1,
            reuse=reuse,
        )
    )
    result, _ = run(path)
    assert statuses(result) == {"a": "succeeded", "b": "succeeded", "c": "succeeded"}, [
        e.message for e in result.state.steps.values()
    ]
    seen = repo.show("workstream/ws-test/step/b", "seen.txt").splitlines()
    assert seen[1:] == ["# scratch"]
    assert repo.files("workstream/ws-test/step/b") >= {"README.md", "a.txt", "seen.txt"}
    assert repo.show("workstream/ws-test/step/c", "c.txt") == ""  # a clean tree for git too
    assert repo.worktrees() == [str(repo.root)]


def test_a_failed_step_keeps_its_pooled_worktree_at_its_own_place_and_out_of_the_pool(
    repo: Repo,
) -> None:
    path = repo.workstream(
        ws(
            {"id": "bad", "run": "printf wip > wip.txt; exit 3", "files": ["wip.txt"]},
            {"id": "good", "run": "ls > good.txt", "files": ["good.txt"]},
            max_workers=1,
        )
    )
    result, _ = run(path)
    bad = result.state.steps["bad"]
    assert bad.status == "failed" and result.state.steps["good"].status == "succeeded"
    kept = Path(bad.worktree or "")
    assert kept.name == "bad" and (kept / "wip.txt").read_text() == "wip"
    assert "wip.txt" not in repo.show("workstream/ws-test/step/good", "good.txt")
    assert repo.worktrees() == [str(repo.root), str(kept)]
    again, _ = run(path)  # the next run saves nothing new, replaces it, and succeeds for good
    assert again.state.steps["good"].status == "succeeded"


@pytest.mark.parametrize("reuse", ["clean", "keep-ignored"])
def test_a_step_cancelled_mid_run_in_a_pooled_worktree_resumes(repo: Repo, reuse: str) -> None:
    path = repo.workstream(
        ws(
            {"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]},
            {
                "id": "b",
                "run": 'printf wip > b.txt; [ -n "$NAP" ] && sleep 30; true',
                "files": ["b.txt"],
                "depends_on": ["a"],
            },
            max_workers=1,
            reuse=reuse,
        )
    )
    env = {"NAP": "1", "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]}
    executor = Executor(path, RunOptions(env=env, kill_grace=0.5))
    started = threading.Event()

    def watch(event: Event) -> None:
        if isinstance(event, StepStarted) and event.step_id == "b":
            started.set()

    executor.subscribe(watch)
    runner = threading.Thread(target=executor.run)
    runner.start()
    assert started.wait(30)
    threading.Event().wait(1.0)
    executor.cancel()
    runner.join(30)
    assert not runner.is_alive()
    assert repo.show("workstream/ws-test/step/b", "b.txt") == "wip"  # its work saved
    result, _ = run(path, resume=True)
    assert statuses(result) == {"a": "succeeded", "b": "succeeded"}
    assert repo.show("workstream/ws-test/step/b", "b.txt") == "wip"
    assert repo.worktrees() == [str(repo.root)]
