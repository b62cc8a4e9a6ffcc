"""Language-server benchmark on a 10,000-step document, beside ``json.loads`` of the same text.

Prints, measured in the same run:

* ``json.loads`` of the document (the yardstick);
* a one-character ``didChange`` to its ``publishDiagnostics`` (debounce set to 0, so it is
  excluded), for an edit inside a description (the incremental path: findings carried over),
  inside a ``run`` command (a full re-analysis), breaking a dependency (a full analysis plus
  the core's "did you mean" search over every id) and mending it;
* the latency of a hover sent in the middle of a burst of 100 edits 10 ms apart, and whether
  any publish was stale (older than one already published) or the last one missed the final
  version;
* ``documentSymbol`` + ``codeLens`` on a 32,000-step document minified to one line (an emoji
  in each description), over raw stdio (a client library would add seconds of its own turning
  100,000 ranges into objects): the first time, then the better of two more; beside
  ``json.loads`` of that text. Before positions were converted in one pass, off the event
  loop, the ASCII version of this document took 48 s + 22 s (and minutes with the emoji).

Run: ``python bench/lsp.py [--steps N] [--minified-steps N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

SERVER = [sys.executable, "-m", "workstream", "serve"]
URI = "file:///bench/big.workstream.json"


def document(steps: int) -> str:
    """A valid workstream: 100 steps per layer, each depending on two of the layer before."""
    items = []
    for n in range(steps):
        layer, k = divmod(n, 100)
        deps = (
            []
            if layer == 0
            else [
                f"step-{(layer - 1) * 100 + k:05d}",
                f"step-{(layer - 1) * 100 + (k + 1) % 100:05d}",
            ]
        )
        items.append(
            {
                "id": f"step-{n:05d}",
                "description": f"Step {n} 🚀 does things",
                "run": f"echo {n}",
                "depends_on": deps,
                "files": [f"src/m{n}.py"],
            }
        )
    return json.dumps({"id": "ws-bench", "steps": items}, indent=2, ensure_ascii=False)


async def _read(stdout: asyncio.StreamReader) -> Any:
    length = 0
    while (line := await stdout.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(await stdout.readexactly(length))


async def minified_outline_and_lenses(steps: int) -> tuple[str, float, list[float]]:
    """documentSymbol + codeLens on a one-line document: (text, first seconds, later ones)."""
    text = json.dumps(json.loads(document(steps)), separators=(",", ":"), ensure_ascii=False)
    server = await asyncio.create_subprocess_exec(
        *SERVER, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert server.stdin and server.stdout
    stdin, stdout = server.stdin, server.stdout

    def send(message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def until(test: Any) -> None:
        while not test(await _read(stdout)):
            pass

    caps = {"general": {"positionEncodings": ["utf-16"]}}
    send({"id": 1, "method": "initialize", "params": {"capabilities": caps, "processId": None}})
    await until(lambda m: m.get("id") == 1)
    send({"method": "initialized", "params": {}})
    item = {"uri": URI, "languageId": "json", "version": 1, "text": text}
    send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
    await until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    times = []
    for n in range(3):
        start = time.perf_counter()
        doc = {"textDocument": {"uri": URI}}
        send({"id": 10 + 2 * n, "method": "textDocument/documentSymbol", "params": doc})
        send({"id": 11 + 2 * n, "method": "textDocument/codeLens", "params": doc})
        await until(lambda m, n=n: m.get("id") == 11 + 2 * n and "method" not in m)
        times.append(time.perf_counter() - start)
    send({"id": 99, "method": "shutdown"})
    await until(lambda m: m.get("id") == 99)
    send({"method": "exit"})
    await server.wait()
    return text, times[0], times[1:]


def best_ms(fn: Any, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


class Bench:
    """A pygls client that timestamps every publishDiagnostics."""

    def __init__(self) -> None:
        self.client = LanguageClient("workstream-bench", "1")
        self.published: list[tuple[int | None, float, int]] = []
        self.version = 1

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(params: types.PublishDiagnosticsParams) -> None:
            self.published.append((params.version, time.perf_counter(), len(params.diagnostics)))

    async def start(self, text: str, debounce_ms: int) -> None:
        await self.client.start_io(*SERVER)
        caps = types.ClientCapabilities(
            general=types.GeneralClientCapabilities(position_encodings=["utf-16"])
        )
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=caps, initialization_options={"debounceMs": debounce_ms}
            )
        )
        self.client.initialized(types.InitializedParams())
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=URI, language_id="json", version=1, text=text
                )
            )
        )
        await self.until(lambda: self.published, 60)

    async def until(self, predicate: Any, timeout: float = 30) -> Any:
        deadline = time.perf_counter() + timeout
        while not (value := predicate()):
            if time.perf_counter() > deadline:
                raise TimeoutError
            await asyncio.sleep(0.0005)
        return value

    def edit(self, line: int, start: int, end: int, text: str) -> int:
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=self.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(line=line, character=start),
                            end=types.Position(line=line, character=end),
                        ),
                        text=text,
                    )
                ],
            )
        )
        return self.version

    async def edit_to_publish_ms(self, line: int, start: int, end: int, text: str) -> float:
        sent = time.perf_counter()
        version = self.edit(line, start, end, text)
        got = await self.until(lambda: next((p for p in self.published if p[0] == version), None))
        return (got[1] - sent) * 1000

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


async def main(steps: int, minified_steps: int) -> None:
    text = document(steps)
    lines = text.splitlines()
    loads = best_ms(lambda: json.loads(text))
    desc_line = next(n for n, x in enumerate(lines) if '"description": "Step 5000 ' in x)
    desc_col = lines[desc_line].index("does")
    dep_line = next(n for n, x in enumerate(lines) if x.strip() == '"step-04900",')
    dep_col = lines[dep_line].index("step-") + 5

    bench = Bench()
    await bench.start(text, debounce_ms=0)
    incremental = [
        await bench.edit_to_publish_ms(desc_line, desc_col, desc_col, "x") for _ in range(15)
    ]
    run_line = desc_line + 1
    run_col = lines[run_line].index("echo") + 2
    full = [await bench.edit_to_publish_ms(run_line, run_col, run_col, "x") for _ in range(7)]
    broken, mended = [], []
    for _ in range(4):  # break a dependency (WS102, "did you mean"), then mend it
        broken.append(await bench.edit_to_publish_ms(dep_line, dep_col, dep_col + 1, "X"))
        mended.append(await bench.edit_to_publish_ms(dep_line, dep_col, dep_col + 1, "0"))
    await bench.stop()

    burst = Bench()
    await burst.start(text, debounce_ms=150)
    hover_ms = 0.0
    for n in range(100):
        burst.edit(desc_line, desc_col, desc_col, "y")
        if n == 50:
            sent = time.perf_counter()
            hover = await burst.client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=URI),
                    position=types.Position(
                        line=desc_line - 1, character=lines[desc_line - 1].index("step-") + 1
                    ),
                )
            )
            hover_ms = (time.perf_counter() - sent) * 1000
            assert hover is not None
        await asyncio.sleep(0.01)
    final = burst.version
    await burst.until(lambda: any(p[0] == final for p in burst.published))
    versions = [p[0] or 0 for p in burst.published]
    stale = any(b < a for a, b in itertools.pairwise(versions))
    await burst.stop()

    print(f"document: {steps} steps, {len(text.encode()) / 1e6:.1f} MB")
    print(f"json.loads of the same text            {loads:8.1f} ms   (1.0x)")
    for name, values in (
        ("didChange → diagnostics, description", incremental),
        ("didChange → diagnostics, run command", full),
        ("didChange → diagnostics, break a dep", broken),
        ("didChange → diagnostics, mend a dep", mended),
    ):
        median = statistics.median(values)
        print(f"{name:38} {median:8.1f} ms   ({median / loads:.1f}x json.loads, median)")
    print(
        f"hover during a burst of 100 edits      {hover_ms:8.1f} ms   "
        f"({hover_ms / loads:.1f}x json.loads)"
    )
    print(
        f"publishes during the burst: {len(versions)}, stale: {'yes' if stale else 'no'}, "
        f"last = final version: {'yes' if versions[-1] == final else 'no'}"
    )

    minified, first, later = await minified_outline_and_lenses(minified_steps)
    loads = best_ms(lambda: json.loads(minified), repeat=3)
    print(f"minified: {minified_steps} steps on one line, {len(minified.encode()) / 1e6:.1f} MB")
    print(f"json.loads of the same text            {loads:8.1f} ms   (1.0x)")
    for name, seconds in (("first time", first), ("after (better of 2)", min(later))):
        ms = seconds * 1000
        print(f"documentSymbol + codeLens, {name:19} {ms:8.1f} ms   ({ms / loads:.1f}x json.loads)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--minified-steps", type=int, default=32_000)
    args = parser.parse_args()
    asyncio.run(main(args.steps, args.minified_steps))
