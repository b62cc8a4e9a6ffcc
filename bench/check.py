"""Benchmark of the analysis behind ``workstream check``, beside ``json.loads`` in the same run.

For workstreams of 1,000 / 10,000 / 50,000 steps (0-3 dependencies each on earlier steps,
two file entries each) it prints the median time of the full analysis, of ``json.loads`` of the
same text, their ratio and the peak memory of each; then documents where every file entry
conflicts (100 steps of 100 ``**/x{i}`` globs, one entry in 5,000 steps) beside their
``json.loads``; then the whole ``workstream check`` process beside a
``python -c 'import json; json.load(...)'`` process on the 10,000-step file.
Run: ``python bench/check.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from workstream.analysis import analyze


def generate(steps: int, seed: int = 7) -> str:
    """A valid workstream: step i depends on 0-3 random earlier steps and owns two files."""
    rng = random.Random(seed)
    out = []
    for i in range(steps):
        deps = sorted({f"step-{rng.randrange(i)}" for _ in range(rng.randint(0, 3))}) if i else []
        out.append(
            {
                "id": f"step-{i}",
                "description": f"Step number {i} of the benchmark",
                "run": f"python scripts/gen.py --part {i}",
                "depends_on": deps,
                "files": [f"src/pkg{i % 97}/mod_{i}.py", f"tests/test_mod_{i}.py"],
            }
        )
    doc = {"id": f"ws-bench-{steps}", "execution": {"max_workers": 4}, "steps": out}
    return json.dumps(doc, indent=2)


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def process_time(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, no 50,000")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 50_000]
    repeat = 3 if args.quick else 7
    print(
        f"{'steps':>7} {'MB':>6} {'analysis':>10} {'json.loads':>11} {'ratio':>6} "
        f"{'peak MiB':>9} {'loads MiB':>10} {'findings':>9}"
    )
    texts = {}
    for size in sizes:
        text = texts[size] = generate(size)
        findings = len(analyze(text).findings)
        full = median_time(lambda t=text: analyze(t), repeat)
        loads = median_time(lambda t=text: json.loads(t), repeat)
        print(
            f"{size:>7,} {len(text) / 1e6:>6.1f} {full * 1000:>8.0f}ms {loads * 1000:>9.0f}ms "
            f"{full / loads:>5.1f}x {peak_mib(lambda t=text: analyze(t)):>9.1f} "
            f"{peak_mib(lambda t=text: json.loads(t)):>10.1f} {findings:>9}"
        )
    # The same document as an editor writes it: a comment and a trailing comma (JSONC).
    jsonc_text = "// written by hand\n" + texts[10_000].replace("\n  ]\n}", ",\n  ]\n}", 1)
    jsonc_time = median_time(lambda: analyze(jsonc_text), repeat)
    loads = median_time(lambda: json.loads(texts[10_000]), repeat)
    print(
        f"\n10,000 steps with a comment and a trailing comma: analysis {jsonc_time * 1000:.0f}ms, "
        f"json.loads of the plain text {loads * 1000:.0f}ms, ratio {jsonc_time / loads:.1f}x"
    )
    # File conflicts at scale: every entry overlaps, or one entry is shared by many steps.
    hostile = {
        "100 steps x 100 '**/x{i}' globs": [
            {"id": f"s{n}", "run": "t", "files": [f"**/x{i}" for i in range(100)]}
            for n in range(100)
        ],
        "5,000 steps sharing one entry": [
            {"id": f"s{n}", "run": "t", "files": ["src/a.py"]} for n in range(5000)
        ],
    }
    print()
    for name, steps in hostile.items():
        text = json.dumps({"id": "ws", "steps": steps})
        full = median_time(lambda t=text: analyze(t), repeat)
        loads = median_time(lambda t=text: json.loads(t), repeat)
        print(
            f"{name}: analysis {full * 1000:.0f}ms ({len(analyze(text).findings)} findings), "
            f"json.loads {loads * 1000:.1f}ms, ratio {full / loads:.0f}x"
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "bench.workstream.json")
        path.write_text(texts[10_000])
        check = process_time([sys.executable, "-m", "workstream", "check", str(path)], repeat)
        plain = process_time(
            [sys.executable, "-c", f"import json; json.load(open({str(path)!r}))"], repeat
        )
    print(
        f"\nprocess on 10,000 steps: workstream check {check * 1000:.0f}ms, "
        f"python -c 'json.load' {plain * 1000:.0f}ms, ratio {check / plain:.1f}x"
    )


if __name__ == "__main__":
    main()
