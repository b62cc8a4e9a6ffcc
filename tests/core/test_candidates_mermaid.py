"""``workstream graph`` (mermaid) draws a step with candidates as a subgraph of its own, a
node per candidate inside it, and keeps the edges on the step."""

from __future__ import annotations

import json

from workstream.executor.plan import graph_plan
from workstream.model import build
from workstream.render import mermaid


def test_candidates_are_drawn_inside_their_step() -> None:
    model = build(
        json.loads(
            json.dumps(
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
        )
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
