"""WS201 at scale: a step is never paired with itself, and the search stays near-linear on many
globs, many repeats and one entry shared by thousands of steps."""

from __future__ import annotations

import json
import time

from workstream.analysis import analyze
from workstream.analysis.conflicts import FIXES, SHOWN
from workstream.findings import Finding


def conflicts(steps: list[dict[str, object]]) -> list[Finding]:
    text = json.dumps({"id": "ws", "steps": steps})
    return [f for f in analyze(text).findings if f.code == "WS201"]


def step(step_id: str, files: list[str], *deps: str) -> dict[str, object]:
    return {"id": step_id, "run": "true", "files": files, "depends_on": list(deps)}


def test_a_step_never_conflicts_with_itself() -> None:
    assert conflicts([step("a", ["src/**", "src/a.py", "src/a.py", "**/x", "./src/a.py"])]) == []
    assert conflicts([step("a", ["src/a.py"] * 5000), step("b", ["docs"] * 5000)]) == []


def test_a_hundred_steps_of_a_hundred_double_star_globs() -> None:
    began = time.process_time()
    found = conflicts([step(f"s{n}", [f"**/x{i}" for i in range(100)]) for n in range(100)])
    assert time.process_time() - began < 20  # minutes and gigabytes before; about 0.5 s here
    assert len(found) == 100 * 100  # each entry once: every other step may run beside it
    first = found[0]
    assert first.message.startswith(
        "File conflict: step 's0' may run at the same time as 's1', 's2', 's3' and 96 more"
    )
    assert len(first.related) == SHOWN and first.data["conflicts"] == [
        f"s{n}" for n in range(1, FIXES + 1)
    ]


def test_five_thousand_repeats_of_one_entry() -> None:
    began = time.process_time()
    found = conflicts([step("a", ["src/a.py"] * 5000), step("b", ["src/a.py"] * 5000)])
    # the first place of the entry in each step, paired once
    assert [(f.data["step"], f.data["conflicts"]) for f in found] == [("a", ["b"]), ("b", ["a"])]
    many = [step(f"s{n}", ["src/a.py"]) for n in range(5000)]
    found = conflicts(many)
    assert len(found) == 5000 and "and 4996 more" in found[-1].message
    chained = [step(f"s{n}", ["src/*.py"], *([f"s{n - 1}"] if n else [])) for n in range(5000)]
    assert conflicts(chained) == []  # all related: nothing may run together
    assert time.process_time() - began < 20  # about a second here, 20 s before the fix


def test_related_information_names_the_entry_of_the_other_step_that_overlaps() -> None:
    [a, b] = conflicts([step("a", ["docs", "src/*.py"]), step("b", ["lib", "src/x.py"])])
    assert a.message.endswith("their file scopes overlap ('src/*.py' and 'src/x.py'). "
                              "Make one depend on the other, or narrow the scopes.")  # fmt: skip
    assert [r.message for r in a.related] == ["step 'b' may also change 'src/x.py'"]
    assert [r.message for r in b.related] == ["step 'a' may also change 'src/*.py'"]
