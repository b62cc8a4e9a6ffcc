"""A fake OpenAI-compatible model on 127.0.0.1, enough of the API for the real aider.

``POST /v1/chat/completions`` (streamed as server-sent events, or as one JSON answer) and
``GET /v1/models``. Replies are deterministic: the file the last user message asks for
("Create examples/math_utils.py with add, subtract ...") comes back in aider's *whole* edit
format, the file name on a line of its own, then a fenced block with the whole new file, so
aider writes it. A Python file gets one function per name listed after "with". Every request
is recorded (:attr:`FakeModel.requests`) for the tests to look at.

Run by hand: ``python tests/tools/fake_model.py [PORT]`` prints its base URL and serves.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-model"

# A path with a folder or an extension, as a user names a file in a prompt.
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.[A-Za-z0-9]+)(?![\w/-])")
_VERB = re.compile(r"\b(?:create|add|write|edit|update|change|modify|make)\s+`?([\w./-]+)", re.I)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FILLER = {"and", "or", "the", "a", "an", "functions", "function", "using", "each", "with"}


def message_text(message: dict[str, Any]) -> str:
    """The text of a chat message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The last user message: for aider, the step's prompt."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def target_file(prompt: str) -> str | None:
    """The file a prompt asks to create or edit: after a verb, else the first path named."""
    for match in _VERB.finditer(prompt):
        candidate = match.group(1).rstrip(".,;:`")
        if _PATH.fullmatch(candidate):
            return candidate
    found = _PATH.search(prompt)
    return found.group(1) if found else None


def function_names(prompt: str) -> list[str]:
    """Identifiers listed after "with" up to the end of the clause: "with add, subtract and
    divide; ..." gives add, subtract, divide."""
    match = re.search(r"\bwith\s+([^;.\n]+)", prompt)
    if not match:
        return []
    clause = re.split(r"\b(?:using|that|which|where|so)\b", match.group(1))[0]
    names: list[str] = []
    for word in re.split(r"[,\s]+", clause):
        if _NAME.fullmatch(word) and word.lower() not in _FILLER and word not in names:
            names.append(word)
    return names


def file_content(path: str, prompt: str) -> str:
    """The whole file the fake model writes for ``prompt``."""
    first = prompt.strip().splitlines()[0] if prompt.strip() else path
    if not path.endswith(".py"):
        return f"{first}\n"
    summary = first.replace('"""', "'''").replace("\\", "/")
    lines = [f'"""{summary}"""', ""]
    for name in function_names(prompt) or ["main"]:
        lines += [
            "",
            f"def {name}(*args: object) -> object:",
            f'    """{name}."""',
            "    return args",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def reply_for(messages: list[dict[str, Any]]) -> str:
    """The assistant's answer in aider's whole-file edit format."""
    prompt = last_user_text(messages)
    path = target_file(prompt)
    if path is None:
        return "I could not tell which file to change.\n"
    lang = "python" if path.endswith(".py") else ""
    return f"Here is {path}:\n\n{path}\n```{lang}\n{file_content(path, prompt)}```\n"


class FakeModel:
    """The server, on a free port of 127.0.0.1, serving from a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeModel:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)

    def completions(self) -> list[dict[str, Any]]:
        """The chat completion requests received so far (their JSON bodies)."""
        with self.lock:
            return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]


def _handler(model: FakeModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _json(self, status: int, data: object) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            model.record({"method": "GET", "path": self.path, "body": None})
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": [_model_entry()]})
            else:
                self._json(404, {"error": {"message": f"no such path {self.path}"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"invalid": raw.decode(errors="replace")}
            model.record({"method": "POST", "path": self.path, "body": body})
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no such path {self.path}"}})
                return
            messages = body.get("messages") if isinstance(body, dict) else None
            text = reply_for(messages if isinstance(messages, list) else [])
            name = str(body.get("model") or MODEL) if isinstance(body, dict) else MODEL
            if isinstance(body, dict) and body.get("stream"):
                self._stream(text, name)
            else:
                self._json(200, _completion(text, name))

        def _stream(self, text: str, name: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            ident, created = "chatcmpl-fake", int(time.time())
            pieces = [text[i : i + 40] for i in range(0, len(text), 40)]
            chunks: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
            chunks += [{"content": piece} for piece in pieces]
            for i, delta in enumerate([*chunks, {}]):
                done = i == len(chunks)
                event = {
                    "id": ident,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": name,
                    "choices": [
                        {"index": 0, "delta": delta, "finish_reason": "stop" if done else None}
                    ],
                }
                if done:
                    event["usage"] = _usage(text)
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


def _model_entry() -> dict[str, Any]:
    return {"id": MODEL, "object": "model", "created": 0, "owned_by": "workstream-tests"}


def _usage(text: str) -> dict[str, int]:
    out = max(1, len(text) // 4)
    return {"prompt_tokens": 100, "completion_tokens": out, "total_tokens": 100 + out}


def _completion(text: str, name: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": name,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(text),
    }


if __name__ == "__main__":
    fake = FakeModel(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(fake.base_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake.server.serve_forever()
