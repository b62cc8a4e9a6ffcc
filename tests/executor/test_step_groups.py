"""step_groups on real runs: a sequential group runs in its listed order, a group's
max_workers caps it inside the run's, and a group id in depends_on waits for (and starts from)
every step of the group; measured from the recorded times and the result commits."""

from __future__ import annotations

from .conftest import Repo, most_at_once, run, statuses, ws


def test_sequential_order_caps_and_a_group_as_a_dependency(repo: Repo) -> None:
    doc = ws(
        {"id": "s1", "run": "sleep 0.3; printf 1 > s1.txt", "files": ["s1.txt"]},
        {"id": "s2", "run": "sleep 0.1; printf 2 > s2.txt", "files": ["s2.txt"]},
        {"id": "s3", "run": "exit 1", "files": []},
        {"id": "s4", "run": "printf 4 > s4.txt", "files": ["s4.txt"]},
        *({"id": f"p{i}", "run": "sleep 0.4", "files": []} for i in range(4)),
        {
            "id": "after",
            "run": "cat s1.txt s2.txt > after.txt",
            "files": ["after.txt"],
            "depends_on": ["ordered"],
        },
        max_workers=6,
    )
    doc["step_groups"] = [
        # listed against file order; a failure in the middle does not stop the order
        {"id": "ordered", "steps": ["s2", "s1"], "execute": "sequential"},
        {"id": "tail", "steps": ["s3", "s4"], "execute": "sequential"},
        {"id": "capped", "steps": ["p0", "p1", "p2", "p3"], "max_workers": 2},
    ]
    result, _ = run(repo.workstream(doc))
    got = statuses(result)
    assert got["s3"] == "failed" and got["s4"] == "succeeded"
    assert got["after"] == "succeeded"
    steps = result.state.steps
    assert (steps["s1"].started_at or 0) >= (steps["s2"].finished_at or 0)
    assert (steps["s4"].started_at or 0) >= (steps["s3"].finished_at or 0)
    assert most_at_once(result, {"p0", "p1", "p2", "p3"}) == 2
    # 'after' depends on the group: it started after both, from both results merged
    assert (steps["after"].started_at or 0) >= (steps["s1"].finished_at or 0)
    assert repo.show(steps["after"].commit or "", "after.txt") == "12"
    assert steps["after"].depends_on == ("s2", "s1")
