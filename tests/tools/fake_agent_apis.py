"""Local fakes of the model APIs the agent CLIs call, for offline end-to-end tests.

One threaded :mod:`http.server` on 127.0.0.1 answers all three dialects:

- Anthropic Messages (``POST /v1/messages``, streaming SSE or not) for Claude Code
  (``ANTHROPIC_BASE_URL``);
- OpenAI Responses (``POST /v1/responses``, streaming SSE) for Codex CLI (a model provider
  whose ``base_url`` is :attr:`FakeAgentAPIs.openai_base`);
- Gemini ``generateContent`` / ``streamGenerateContent`` for Gemini CLI
  (``GOOGLE_GEMINI_BASE_URL``).

Deterministic: the first turn of a conversation whose prompt says
``write the file PATH with the text "TEXT"`` answers with the tool call that writes exactly
that file (Claude's ``Write``, Codex's ``apply_patch`` or shell, Gemini's ``write_file``); the
turn after the tool's result, and every other request (titles, summaries, classifiers),
answers with a short text. Every request is recorded in :attr:`FakeAgentAPIs.requests`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TASK = re.compile(r'write the file (\S+) with the text "([^"]*)"')
CWD = re.compile(r"(?:[Ww]orking directory|working in the directory|<cwd>)\s*:?\s*(/[^\s<\"']+)")


def texts(data: Any) -> str:
    """Every string inside a JSON value, one a line (so quotes are not escaped)."""
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        return "\n".join(texts(v) for v in data.values())
    if isinstance(data, list):
        return "\n".join(texts(v) for v in data)
    return ""


def find_task(data: Any) -> tuple[str, str] | None:
    """The (path, text) a prompt asks for, if any."""
    match = TASK.search(texts(data))
    return (match.group(1), match.group(2)) if match else None


def find_cwd(data: Any) -> str | None:
    """The working directory an agent tells its model about, if it does."""
    match = CWD.search(texts(data))
    return match.group(1).rstrip(".,") if match else None


def absolute(path: str, cwd: str | None) -> str:
    return path if path.startswith("/") or cwd is None else f"{cwd.rstrip('/')}/{path}"


class FakeAgentAPIs:
    """The fake server; a context manager that starts and stops it."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(_Handler):
            fake = outer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def openai_base(self) -> str:
        return self.base_url + "/v1"

    def __enter__(self) -> FakeAgentAPIs:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.requests]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAgentAPIs
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        body = data if isinstance(data, dict) else {}
        with self.fake.lock:
            self.fake.requests.append((self.path, body))
        return body

    def _json(self, data: Any, status: int = 200) -> None:
        blob = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(blob)))
        self.end_headers()
        self.wfile.write(blob)

    def _sse(self, events: Iterator[tuple[str | None, Any]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for name, data in events:
            head = f"event: {name}\n" if name else ""
            self.wfile.write(f"{head}data: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()
        self.close_connection = True

    def do_GET(self) -> None:
        self._body()
        if "/models" in self.path:
            self._json({"data": [], "models": [], "object": "list"})
        else:
            self._json({"error": {"message": f"no {self.path} here"}}, 404)

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path.endswith("/v1/messages/count_tokens"):
            self._json({"input_tokens": 10})
        elif path.endswith("/v1/messages"):
            _anthropic(self, body)
        elif path.endswith("/responses"):
            _responses(self, body)
        elif ":countTokens" in path:
            self._json({"totalTokens": 10})
        elif ":streamGenerateContent" in path or ":generateContent" in path:
            _gemini(self, body, stream=":streamGenerateContent" in path)
        else:
            self._json({"error": {"message": f"no {path} here"}}, 404)


# Anthropic Messages -----------------------------------------------------------------


def _anthropic(handler: _Handler, body: dict[str, Any]) -> None:
    messages = body.get("messages") or []
    tools = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
    answered = any(
        isinstance(part, dict) and part.get("type") == "tool_result"
        for m in messages
        if isinstance(m.get("content"), list)
        for part in m["content"]
    )
    task = find_task(messages[:1])
    block: dict[str, Any]
    if task and "Write" in tools and not answered:
        path, text = task
        cwd = find_cwd(body.get("system"))
        block = {
            "type": "tool_use",
            "id": "toolu_fake_1",
            "name": "Write",
            "input": {"file_path": absolute(path, cwd), "content": text + "\n"},
        }
        stop = "tool_use"
    else:
        block = {"type": "text", "text": "Done."}
        stop = "end_turn"
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": [block],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    if not body.get("stream"):
        handler._json(message)
        return

    def events() -> Iterator[tuple[str | None, Any]]:
        start = {**message, "content": [], "stop_reason": None}
        yield "message_start", {"type": "message_start", "message": start}
        if block["type"] == "text":
            empty: dict[str, Any] = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            empty = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        yield (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": empty},
        )
        yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": 0}
        yield (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 5},
            },
        )
        yield "message_stop", {"type": "message_stop"}

    handler._sse(events())


# OpenAI Responses (Codex) -------------------------------------------------------------


def _responses(handler: _Handler, body: dict[str, Any]) -> None:
    items = body.get("input") or []
    answered = any(
        isinstance(i, dict) and str(i.get("type", "")).endswith("_call_output") for i in items
    )
    users = [i for i in items if isinstance(i, dict) and i.get("role") == "user"]
    task = find_task(users[-1:])
    tools = {str(t.get("name")): t for t in body.get("tools") or [] if isinstance(t, dict)}
    item: dict[str, Any]
    if task and not answered:
        item = _codex_call(task, tools)
    else:
        item = {
            "type": "message",
            "role": "assistant",
            "id": "msg_fake",
            "content": [{"type": "output_text", "text": "Done.", "annotations": []}],
        }
    response = {
        "id": "resp_fake",
        "object": "response",
        "status": "completed",
        "output": [item],
        "usage": {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        },
    }

    def events() -> Iterator[tuple[str | None, Any]]:
        created = {**response, "status": "in_progress", "output": []}
        yield "response.created", {"type": "response.created", "response": created}
        yield (
            "response.output_item.added",
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": item,
            },
        )
        yield (
            "response.output_item.done",
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": item,
            },
        )
        yield "response.completed", {"type": "response.completed", "response": response}

    handler._sse(events())


def _codex_call(task: tuple[str, str], tools: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The call that writes the file, in whichever form this Codex offers."""
    path, text = task
    patch = f"*** Begin Patch\n*** Add File: {path}\n+{text}\n*** End Patch\n"
    apply = tools.get("apply_patch")
    if apply is not None and apply.get("type") == "custom":
        return {
            "type": "custom_tool_call",
            "call_id": "call_fake_1",
            "name": "apply_patch",
            "input": patch,
            "id": "ctc_fake",
            "status": "completed",
        }
    if apply is not None:
        args: dict[str, Any] = {"input": patch}
        name = "apply_patch"
    elif "exec_command" in tools:
        args, name = {"cmd": f"apply_patch <<'EOF'\n{patch}EOF\n"}, "exec_command"
    elif "shell_command" in tools:
        args, name = {"command": f"apply_patch <<'EOF'\n{patch}EOF\n"}, "shell_command"
    else:
        args, name = {"command": ["apply_patch", patch]}, "shell"
    return {
        "type": "function_call",
        "call_id": "call_fake_1",
        "name": name,
        "arguments": json.dumps(args),
        "id": "fc_fake",
        "status": "completed",
    }


# Gemini -----------------------------------------------------------------------------------


def _gemini(handler: _Handler, body: dict[str, Any], *, stream: bool) -> None:
    contents = body.get("contents") or []
    answered = any(
        isinstance(part, dict) and "functionResponse" in part
        for c in contents
        if isinstance(c, dict)
        for part in c.get("parts") or []
    )
    declared = {
        str(f.get("name"))
        for t in body.get("tools") or []
        if isinstance(t, dict)
        for f in t.get("functionDeclarations") or []
        if isinstance(f, dict)
    }
    task = find_task(contents)
    part: dict[str, Any]
    if task and "write_file" in declared and not answered:
        path, text = task
        cwd = find_cwd([contents, body.get("systemInstruction")])
        args = {"file_path": absolute(path, cwd), "content": text + "\n"}
        part = {"functionCall": {"name": "write_file", "args": args}}
    else:
        part = {"text": _gemini_text(body)}
    data = {
        "candidates": [
            {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}
        ],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
        "modelVersion": "fake",
    }
    if stream:
        handler._sse(iter([(None, data)]))
    else:
        handler._json(data)


def _gemini_text(body: dict[str, Any]) -> str:
    """Plain text, or JSON filling the schema a side request (router, next speaker) gives."""
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") != "application/json":
        return "Done."
    schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
    return json.dumps(_fill(schema))


def _fill(schema: Any) -> Any:
    """A small value that satisfies a JSON schema (Gemini's upper-case types too)."""
    if not isinstance(schema, dict):
        return None
    if schema.get("enum"):
        return schema["enum"][-1]
    kind = str(schema.get("type", "object")).lower()
    if kind == "object":
        props = schema.get("properties") or {}
        return {name: _fill(sub) for name, sub in props.items()}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    return "user" if "speaker" in str(schema.get("description", "")).lower() else "ok"
