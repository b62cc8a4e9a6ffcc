"""Language-server start-up, beside what the stack it stands on costs alone.

Each round spawns ``python -m workstream serve`` over raw stdio and measures, from the spawn:

* when ``initialize`` is answered;
* when the first ``publishDiagnostics`` of a document opened right after ``initialized``
  arrives (``samples/mistakes/graph.workstream.json``: it has findings to publish);

and, in the same round, two baselines: ``python -c pass`` (the interpreter alone) and
``python -c "import pygls.lsp.server, lsprotocol.types"`` (importing the protocol stack every
pygls server needs, before any code of ours). What the server adds is the difference to the
second. Rounds interleave the four so the machine's noise hits them alike; medians are printed.

Run: ``python bench/lsp_startup.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "mistakes" / "graph.workstream.json"
STACK = "import pygls.lsp.server, lsprotocol.types"


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read(stream: Any) -> dict[str, Any]:
    length = 0
    while True:
        line = stream.readline()
        if not line:
            raise RuntimeError("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


def server_round(text: str, uri: str) -> tuple[float, float]:
    """Seconds from spawn to the initialize answer and to the first publishDiagnostics."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workstream", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        params = {"processId": os.getpid(), "capabilities": {}, "rootUri": ROOT.as_uri()}
        proc.stdin.write(_frame({"id": 1, "method": "initialize", "params": params}))
        proc.stdin.flush()
        while "id" not in (message := _read(proc.stdout)):
            pass
        initialized = time.perf_counter() - start
        item = {"uri": uri, "languageId": "json", "version": 1, "text": text}
        proc.stdin.write(_frame({"method": "initialized", "params": {}}))
        opened = {"method": "textDocument/didOpen", "params": {"textDocument": item}}
        proc.stdin.write(_frame(opened))
        proc.stdin.flush()
        while True:
            message = _read(proc.stdout)
            params = message.get("params") or {}
            if message.get("method") == "textDocument/publishDiagnostics" and (
                params.get("uri") == uri and params.get("diagnostics")
            ):
                break
        published = time.perf_counter() - start
        proc.stdin.write(_frame({"id": 2, "method": "shutdown"}))
        proc.stdin.write(_frame({"method": "exit"}))
        proc.stdin.flush()
        proc.wait(timeout=30)
        return initialized, published
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def python_round(code: str) -> float:
    """Seconds for ``python -c code`` to run and exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    text = SAMPLE.read_text(encoding="utf-8")
    uri = SAMPLE.as_uri()
    rows: dict[str, list[float]] = {"python": [], "stack": [], "initialize": [], "publish": []}
    python_round(STACK)  # warm the file cache and the bytecode
    server_round(text, uri)
    for _ in range(args.repeat):
        rows["python"].append(python_round("pass"))
        rows["stack"].append(python_round(STACK))
        initialized, published = server_round(text, uri)
        rows["initialize"].append(initialized)
        rows["publish"].append(published)
    median = {name: statistics.median(values) * 1000 for name, values in rows.items()}
    stack = median["stack"]
    print(f"start-up of the language server, median of {args.repeat} interleaved rounds")
    print(f"{'':58}{'ms':>8}{'vs stack':>10}")
    labels = {
        "python": "python -c pass",
        "stack": f'python -c "{STACK}"',
        "initialize": "spawn -> initialize answered",
        "publish": "spawn -> first publishDiagnostics (opened at once)",
    }
    for name, label in labels.items():
        print(f"{label:58}{median[name]:8.0f}{median[name] / stack:9.2f}x")


if __name__ == "__main__":
    main()
