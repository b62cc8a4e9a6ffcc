"""``workstream graph``: the DAG as mermaid, dot or JSON, with waves and the critical path.

Needs no git repository: it reads only the workstream file. Edges point from a dependency to
the step that depends on it; critical-path steps and edges are emphasised.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workstream.commands.run import fail, print_invalid
from workstream.executor import ExecutorError, WorkstreamInvalid, make_plan
from workstream.executor.target import read_workstream
from workstream.render import as_json, dot, mermaid


def main(args: argparse.Namespace) -> int:
    """Run ``workstream graph``."""
    path = Path(args.path)
    try:
        _, model = read_workstream(path.expanduser().resolve())
        plan = make_plan(model)
    except WorkstreamInvalid as error:
        print_invalid(error, path)
        return 2
    except ExecutorError as error:
        return fail(str(error))
    if args.format == "mermaid":  # candidates drawn inside their step
        sys.stdout.write(mermaid(plan, model))
        return 0
    render = {"dot": dot, "json": as_json}[args.format]
    sys.stdout.write(render(plan))
    return 0
