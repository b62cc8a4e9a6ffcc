"""Candidates on real git: each in its own worktree and on its own branch, judged by the step's
scope and acceptance tests, chosen by score or by being first, counted against max_workers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.executor.conftest import Repo, git, run, statuses, ws
from workstream.executor import StepState
from workstream.executor.branches import delete_branches
from workstream.executor.target import load_target, target_git


def step(**fields: Any) -> dict[str, Any]:
    return {"id": "pick", "files": ["out.txt"], **fields}


def records(entry: StepState) -> dict[int, dict[str, Any]]:
    return {int(c["n"]): c for c in entry.candidates}


def test_the_best_score_wins_and_the_losers_keep_their_work(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(
                candidates=[
                    {"run": "echo 30 > out.txt"},
                    {"run": ["sh", "-c", "echo 10 > out.txt"]},
                ],
                acceptance_tests=["test -s out.txt"],
                select={"score": "cat out.txt", "better": "lower"},
            ),
            {"id": "after", "depends_on": ["pick"], "run": "cp out.txt copy.txt", "files": []},
            max_workers=2,
        )
    )
    result, _ = run(plan)
    assert statuses(result) == {"pick": "succeeded", "after": "failed"}  # copy.txt: no scope
    entry = result.state.steps["pick"]
    cands = records(entry)
    assert [cands[n]["score"] for n in (1, 2)] == [30.0, 10.0]
    assert [cands[n]["selected"] for n in (1, 2)] == [False, True]
    assert entry.commit == cands[2]["commit"] == repo.head("workstream/ws-test/candidate/pick/2")
    assert repo.head("workstream/ws-test/step/pick") == entry.commit
    assert repo.show("workstream/ws-test/candidate/pick/1", "out.txt") == "30\n"  # kept
    assert repo.show(entry.commit or "", "out.txt") == "10\n"
    assert "candidate 2 of 2 chosen (the lowest score of `cat out.txt`, score 10)" in entry.message


def test_higher_is_better_and_the_winner_is_the_result(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(
                candidates=[{"env": {"N": "3"}}, {"env": {"N": "7"}}, {"env": {"N": "5"}}],
                run='echo "$N" > out.txt',
                select={"score": "cat out.txt", "better": "higher"},
            ),
            max_workers=3,
        )
    )
    result, _ = run(plan)
    assert result.status == "succeeded"
    assert repo.show("workstream/ws-test/result", "out.txt") == "7\n"
    cands = records(result.state.steps["pick"])
    assert {n: c["score"] for n, c in cands.items()} == {1: 3.0, 2: 7.0, 3: 5.0}


def test_first_to_pass_wins_and_the_slow_one_is_stopped_with_its_work_saved(repo: Repo) -> None:
    slow = "echo started > out.txt; sleep 30; echo finished > late.txt"
    plan = repo.workstream(
        ws(
            step(
                files=["out.txt", "late.txt"],
                candidates=[{"run": slow}, {"run": "sleep 0.5; echo quick > out.txt"}],
                select="first",
            ),
            max_workers=2,
        )
    )
    result, _ = run(plan)
    assert result.status == "succeeded"
    entry = result.state.steps["pick"]
    cands = records(entry)
    assert cands[2]["status"] == "succeeded" and cands[2]["selected"]
    assert cands[1]["status"] == "cancelled"
    # stopped long before its sleep ended, by the recorded times
    assert cands[1]["finished_at"] - cands[1]["started_at"] < 15
    assert entry.duration_ms is not None and entry.duration_ms < 15_000
    # its work so far is on its branch, and it never reached its second line
    saved = "workstream/ws-test/candidate/pick/1"
    assert cands[1]["saved_commit"] == repo.head(saved)
    assert repo.show(saved, "out.txt") == "started\n"
    assert "late.txt" not in repo.files(saved)
    assert repo.show("workstream/ws-test/result", "out.txt") == "quick\n"


def test_queued_candidates_do_not_start_once_one_passed(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(candidates=[{"run": "echo a > out.txt"}, {"run": "echo b > out.txt"}]),
            max_workers=1,
        )
    )
    result, _ = run(plan)
    cands = records(result.state.steps["pick"])
    assert cands[1]["status"] == "succeeded" and cands[1]["selected"]
    assert cands[2]["status"] == "cancelled"
    assert cands[2]["message"] == "not started: candidate 1 passed first"
    assert cands[2]["started_at"] is None


def test_attempts_run_the_same_definition_each_on_its_own_branch(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(
                run="echo $WORKSTREAM_CANDIDATE > out.txt; date +%N | sed 's/^0*//' > score.txt",
                files=["out.txt", "score.txt"],
                candidates=[{"attempts": 3}],
                select={"score": "cat score.txt", "better": "lower"},
            ),
            max_workers=3,
        )
    )
    result, _ = run(plan)
    assert result.status == "succeeded"
    cands = records(result.state.steps["pick"])
    assert sorted(cands) == [1, 2, 3]
    assert [c["label"] for c in cands.values()] == [
        f"as the step, attempt {n} of 3" for n in (1, 2, 3)
    ]
    outs = [repo.show(f"workstream/ws-test/candidate/pick/{n}", "out.txt") for n in (1, 2, 3)]
    assert outs == ["1\n", "2\n", "3\n"]  # three separate runs
    best = min(cands.values(), key=lambda c: c["score"])
    assert best["selected"] and result.state.steps["pick"].commit == best["commit"]


def test_a_candidate_failing_its_acceptance_test_is_not_selected(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(
                candidates=[{"run": "echo 1 bad > out.txt"}, {"run": "echo 5 good > out.txt"}],
                acceptance_tests=["grep -q good out.txt"],
                select={"score": "cut -d' ' -f1 out.txt", "better": "lower"},
            )
        )
    )
    result, _ = run(plan)
    assert result.status == "succeeded"
    cands = records(result.state.steps["pick"])
    assert cands[1]["status"] == "failed" and cands[1]["score"] is None
    assert "acceptance test `grep -q good out.txt`" in cands[1]["message"]
    assert cands[2]["selected"] and cands[2]["score"] == 5.0
    assert repo.show("workstream/ws-test/candidate/pick/1", "out.txt") == "1 bad\n"


def test_out_of_scope_and_unscorable_candidates_are_not_selected(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(
                candidates=[
                    {"run": "echo 1 > out.txt; echo x > other.txt"},
                    {"run": "echo none > out.txt"},
                    {"run": "echo 9 > out.txt"},
                ],
                select={"score": "cat out.txt"},
            )
        )
    )
    result, _ = run(plan)
    cands = records(result.state.steps["pick"])
    assert "outside its scope: other.txt" in cands[1]["message"]
    assert cands[2]["status"] == "failed"
    assert cands[2]["message"].startswith("score command `cat out.txt` printed no number")
    assert cands[3]["selected"]


def test_all_failing_fails_the_step_with_what_each_did(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(candidates=[{"run": "exit 3"}, {"run": "echo x > out.txt; false"}]),
            {"id": "after", "depends_on": ["pick"], "run": "true", "files": []},
        )
    )
    result, _ = run(plan)
    assert statuses(result) == {"pick": "failed", "after": "skipped"}
    entry = result.state.steps["pick"]
    assert entry.message.startswith(
        "no candidate passed (of 2; their work is on their branches): 1: failed: "
    )
    assert "2: failed: " in entry.message
    assert entry.reason == "exit"
    assert repo.show("workstream/ws-test/candidate/pick/2", "out.txt") == "x\n"
    assert not repo.branch_exists("workstream/ws-test/step/pick")


def test_candidates_count_against_max_workers(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(
                files=[],
                candidates=[{"run": "sleep 1"}] * 4,
                select={"score": "echo 1"},
            ),
            {"id": "other", "run": "sleep 1", "files": []},
            max_workers=2,
        )
    )
    result, _ = run(plan)
    assert result.status == "succeeded"
    spans = [(c["started_at"], c["finished_at"]) for c in result.state.steps["pick"].candidates]
    other = result.state.steps["other"]
    spans.append((other.started_at, other.finished_at))
    moments = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    most = current = 0
    for _, delta in moments:
        current += delta
        most = max(most, current)
    assert most == 2
    assert len(spans) == 5


def test_status_shows_each_candidate(repo: Repo) -> None:
    plan = repo.workstream(
        ws(
            step(
                candidates=[{"run": "echo 2 > out.txt"}, {"run": "echo 1 > out.txt"}],
                select={"score": "cat out.txt"},
            )
        )
    )
    run(plan)
    cli = [sys.executable, "-m", "workstream", "status", str(plan)]
    text = subprocess.run(cli, capture_output=True, text=True, cwd=repo.root).stdout
    assert "pick: candidate 1 (run: echo 2 > out.txt): succeeded, score 2" in text
    assert "pick: candidate 2 (run: echo 1 > out.txt): succeeded, score 1, chosen" in text
    assert "workstream/ws-test/candidate/pick/1" in text
    out = subprocess.run([*cli, "--format", "json"], capture_output=True, text=True).stdout
    data = json.loads(out)["steps"]["pick"]["candidates"]
    assert [(c["n"], c["score"], c["selected"]) for c in data] == [(1, 2.0, False), (2, 1.0, True)]
    assert data[0]["branch"] == "workstream/ws-test/candidate/pick/1"


def test_resume_keeps_a_chosen_candidate_and_clean_removes_the_branches(repo: Repo) -> None:
    candidates = [{"run": "echo 2 > out.txt"}, {"run": "echo 1 > out.txt"}]
    plan = repo.workstream(ws(step(candidates=candidates, select={"score": "cat out.txt"})))
    first, _ = run(plan)
    again, _ = run(plan, resume=True)
    assert again.state.steps["pick"].message.startswith("up to date since run")
    assert again.state.steps["pick"].commit == first.state.steps["pick"].commit
    repo_git = target_git(load_target(plan))
    report = delete_branches(repo_git, "ws-test")
    deleted = {name for name, _ in report.deleted}
    assert "workstream/ws-test/candidate/pick/2" in deleted  # the winner: in the result
    kept = dict(report.kept)
    assert kept["workstream/ws-test/candidate/pick/1"].startswith("1 commit not in the result")
    report = delete_branches(repo_git, "ws-test", force=True)
    assert [name for name, _ in report.deleted] == ["workstream/ws-test/candidate/pick/1"]
    assert not git(repo.root, "branch", "--list", "*/candidate/*").strip()


def test_a_kept_candidate_worktree_is_its_own(repo: Repo, tmp_path: Path) -> None:
    plan = repo.workstream(ws(step(candidates=[{"run": "echo a > out.txt; false"}])))
    result, _ = run(plan)
    cand = result.state.steps["pick"].candidates[0]
    assert cand["worktree"] and Path(cand["worktree"]).name == "pick@1"
    assert (Path(cand["worktree"]) / "out.txt").read_text() == "a\n"
    from workstream.executor.clean import clean

    report = clean(load_target(plan))
    assert Path(cand["worktree"]) in report.removed
    state = load_target(plan).state_dir.read()
    assert state is not None and state.steps["pick"].candidates[0]["worktree"] is None


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox", "no-sandbox"])
def test_the_sandbox_and_the_tripwire_judge_each_candidate(repo: Repo, sandbox: bool) -> None:
    repo.write(".gitignore", "__pycache__/\n.env\n")
    repo.commit_all("ignore .env")
    env_file = repo.write(".env", "TOKEN=mine\n")
    attack = 'G=$(dirname "$GIT_ALTERNATE_OBJECT_DIRECTORIES"); echo STOLEN >> "$G/../.env"; '
    plan = repo.workstream(
        ws(
            step(
                candidates=[
                    {"run": attack + "echo 1 > out.txt; true"},
                    {"run": "echo 2 > out.txt"},
                ],
                select={"score": "cat out.txt"},
            ),
            {"id": "later", "depends_on": ["pick"], "run": "true", "files": []},
            sandbox=sandbox,
            max_workers=1,
        )
    )
    repo.expected = repo.snapshot()
    result, _ = run(plan)
    cands = records(result.state.steps["pick"])
    if sandbox:
        assert env_file.read_text() == "TOKEN=mine\n"
        assert cands[1]["selected"] and result.status == "succeeded"
        return
    assert cands[1]["status"] == "failed" and cands[1]["reason"] == "tripwire"
    assert ".env changed" in cands[1]["message"]
    # the run stops launching: the queued candidate never starts, nor does the next step
    assert cands[2]["status"] == "cancelled"
    assert cands[2]["message"] == "not started: the run stopped"
    assert statuses(result) == {"pick": "failed", "later": "skipped"}
    env_file.write_text("TOKEN=mine\n")
