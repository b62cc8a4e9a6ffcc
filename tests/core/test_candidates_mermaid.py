"""``workstream graph`` (mermaid) draws a step with candidates as a subgraph of its own, a
node per candidate inside it, and keeps the edges on the step."""

from __future__ import annotations

from typing import Any

from workstream.executor.plan import graph_plan
from workstream.model import Workstream, build
from workstream.render import mermaid


def model_of(raw: dict[str, Any]) -> Workstream:
    model = build(raw)
    assert model is not None
    return model


def test_candidates_are_drawn_inside_their_step() -> None:
    model = model_of(
        {
            "id": "ws",
            "steps": [
                {
                    "id": "pick",
                    "run": "true",
                    "candidates": [{"run": "a"}, {"attempts": 2}],
                },
                {"id": "next", "run": "true", "depends_on": ["pick"]},
            ],
        }
    )
    text = mermaid(graph_plan(model), model)
    assert (
        '  subgraph wave1["wave 1"]\n'
        '    subgraph s0["pick"]\n'
        '      s0c1["1: run: a"]\n'
        '      s0c2["2: as the step, attempt 1 of 2"]\n'
        '      s0c3["3: as the step, attempt 2 of 2"]\n'
        "    end\n"
        "  end\n"
        '  subgraph wave2["wave 2"]\n'
        '    s1["next"]\n'
        "  end\n"
    ) in text
    assert "  s0 ==> s1\n" in text
    assert 's0["pick"]' in mermaid(graph_plan(model))  # without the model: a plain node


def test_groups_are_the_clusters_when_there_are_some() -> None:
    model = model_of(
        {
            "id": "ws",
            "step_groups": [
                {"id": "utils", "steps": ["a", "b"], "execute": "sequential", "max_workers": 1}
            ],
            "steps": [
                {"id": "a", "run": "true"},
                {"id": "b", "run": "true"},
                {"id": "c", "run": "true", "parallel_group": 1},
                {"id": "d", "run": "true", "parallel_group": 2, "candidates": [{}, {}]},
                {"id": "e", "run": "true", "depends_on": ["utils"]},
            ],
        }
    )
    text = mermaid(graph_plan(model), model)
    assert (
        'flowchart LR\n  subgraph group0["utils (sequential, max 1)"]\n'
        '    s0["a"]\n    s1["b"]\n  end\n'
        '  subgraph pgroup1["parallel_group 1"]\n    s2["c"]\n  end\n'
        '  subgraph pgroup2["parallel_group 2"]\n'
        '    subgraph s3["d"]\n'
        '      s3c1["1: as the step"]\n      s3c2["2: as the step"]\n'
        "    end\n  end\n"
        '  s4["e"]\n'
    ) in text
    assert "wave" not in text
    assert "  s0 --> s4\n" in text or "  s0 ==> s4\n" in text
