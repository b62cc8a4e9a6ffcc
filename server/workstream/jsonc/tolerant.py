"""The tolerant path: JSON with comments and trailing commas, and broken JSON, with every range.

A small iterative recursive-descent parser (an explicit stack: any nesting depth) that records
the range of every key and value, reports syntax errors and recovers from them, so a file
being typed still yields everything that can be read.
"""

from __future__ import annotations

import json
from typing import Any

from workstream.findings import Span
from workstream.jsonc.base import (
    ParsedJson,
    Path,
    SyntaxIssue,
    parse_number_float,
    parse_number_int,
)
from workstream.jsonc.tokens import LITERALS, NOT_PUNCT, Node, Tokens

#: The tolerant parser does not descend into containers nested deeper than this (they become
#: ``None``): a workstream is four levels deep, and a hostile document must not cost more.
MAX_DEPTH = 128


class TolerantParser:
    """One parse of a text: the tree, its syntax errors, every range (see the module)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.errors: list[SyntaxIssue] = []
        self.tokens = Tokens(text, self.errors)

    def error(self, message: str, start: int, end: int) -> None:
        self.errors.append(SyntaxIssue(message, Span(start, end)))

    def describe(self, token: tuple[str, int, int] | None) -> str:
        if token is None:
            return "end of file"
        return repr(self.text[token[1] : token[2]][:20])

    def scalar(self, token: tuple[str, int, int]) -> Node:
        kind, start, end = token
        raw = self.text[start:end]
        if kind == "string":
            try:
                return Node("string", start, end, json.loads(raw))
            except ValueError:
                self.error(f"Invalid escape in string {raw[:30]}", start, end)
                return Node("string", start, end, raw[1:-1])
        if kind == "badstring":
            self.error("Unterminated string: add the closing '\"'", start, end)
            return Node("string", start, end, raw[1:])
        if kind == "number":
            return Node(
                "number",
                start,
                end,
                json.loads(raw, parse_int=parse_number_int, parse_float=parse_number_float),
            )
        if kind == "word" and raw in LITERALS:
            return Node("literal", start, end, LITERALS[raw])
        self.error(f"Unexpected {raw[:20]!r}: expected a value", start, end)
        return Node("invalid", start, end)

    def parse(self) -> Node | None:
        toks = self.tokens
        if toks.peek() is None:
            self.error("The document is empty: a workstream is a JSON object", 0, len(self.text))
            return None
        root = self.value()
        extra = toks.peek()
        if extra is not None:
            self.error(
                f"Unexpected {self.describe(extra)} after the end of the document",
                extra[1],
                extra[2],
            )
        return root

    def value(self) -> Node | None:
        """Parse one value with an explicit stack (no recursion, any nesting depth)."""
        toks = self.tokens
        token = toks.peek()
        if token is None:
            self.error("Unexpected end of file: expected a value", len(self.text), len(self.text))
            return None
        if token[0] == "punct" and self.text[token[1]] in "]},:":
            self.error(f"Expected a value, found {self.describe(token)}", token[1], token[2])
            return None
        # A frame is [container node, state, pending key, pending key span].
        stack: list[list[Any]] = []
        result = self.open_or_scalar(stack)
        while result is None:
            frame = stack[-1]
            node: Node = frame[0]
            token = toks.peek()
            if token is None:
                closer = "}" if node.kind == "object" else "]"
                end = len(self.text)
                self.error(f"Unexpected end of file: expected '{closer}'", end, end)
                node.end = end
                if node.kind == "object" and frame[2] is not None:
                    self.attach(frame, None)  # a key left without a value
                result = self.close(stack)
                continue
            char = self.text[token[1]] if token[0] == "punct" else NOT_PUNCT
            if node.kind == "object":
                result = self.object_step(stack, frame, node, token, char)
            else:
                result = self.array_step(stack, frame, node, token, char)
        return result

    def open_or_scalar(self, stack: list[list[Any]]) -> Node | None:
        """Consume the token at the cursor as a value; push a frame if it opens a container."""
        kind, start, end = self.tokens.next()
        char = self.text[start] if kind == "punct" else NOT_PUNCT
        if char in "{[":
            node = Node("object" if char == "{" else "array", start, end)
            if len(stack) >= MAX_DEPTH:
                self.skip_container(node)
                return node
            stack.append([node, "first", None, None])
            return None
        return self.scalar((kind, start, end))

    def skip_container(self, node: Node) -> None:
        """Skip a too-deeply nested container by bracket counting."""
        self.error(
            f"Nesting deeper than {MAX_DEPTH} levels: this part is not analysed",
            node.start,
            node.end,
        )
        node.too_deep = True
        level = 1
        toks = self.tokens
        while level and toks.peek() is not None:
            kind, start, end = toks.next()
            if kind == "punct":
                char = self.text[start]
                level += 1 if char in "{[" else -1 if char in "}]" else 0
            node.end = end

    def close(self, stack: list[list[Any]]) -> Node | None:
        """Pop the finished container, attach it to its parent; return it if it is the root."""
        node = stack.pop()[0]
        if not stack:
            return node  # type: ignore[no-any-return]
        self.attach(stack[-1], node)
        return None

    def attach(self, frame: list[Any], child: Node | None) -> None:
        parent: Node = frame[0]
        if parent.kind == "object":
            parent.members.append((frame[2], frame[3], child))
            frame[2] = frame[3] = None
        elif child is not None:
            parent.items.append(child)
        frame[1] = "after"

    def value_into(self, stack: list[list[Any]], frame: list[Any]) -> None:
        frame[1] = "after"
        child = self.open_or_scalar(stack)
        if child is not None:
            self.attach(frame, child)

    def object_step(
        self,
        stack: list[list[Any]],
        frame: list[Any],
        node: Node,
        token: tuple[str, int, int],
        char: str,
    ) -> Node | None:
        toks = self.tokens
        kind, start, end = token
        state = frame[1]
        if state in ("first", "key"):  # expecting a key (or '}')
            if char == "}":
                toks.next()
                node.end = end
                return self.close(stack)
            if kind in ("string", "badstring"):
                toks.next()
                key = self.scalar(token)
                frame[2], frame[3], frame[1] = str(key.value), Span(start, end), "colon"
                return None
            if char == "]":
                return self.mismatched(stack, node, token)
            if char == ",":
                self.error("Unexpected ',': expected a property name", start, end)
                toks.next()
                return None
            self.error(
                f"Expected a property name in double quotes, found {self.describe(token)}",
                start,
                end,
            )
            if kind == "word" and self.next_is_colon():
                # An unquoted key: read it as the key to keep analysing.
                toks.next()
                frame[2], frame[3], frame[1] = self.text[start:end], Span(start, end), "colon"
                return None
            toks.next()
            return None
        if state == "colon":
            if char == ":":
                toks.next()
                frame[1] = "value"
                return None
            self.error(
                f"Expected ':' after the property name, found {self.describe(token)}", start, end
            )
            if char in ",}" or (kind == "string" and self.next_is_colon()):
                self.attach(frame, None)  # the key without a value
                return None
            frame[1] = "value"
            return None
        if state == "value":
            if char in ",}]":
                self.error(f"Expected a value, found {self.describe(token)}", start, end)
                self.attach(frame, None)  # the key without a value
                return None
            self.value_into(stack, frame)
            return None
        # state == "after": expecting ',' or '}'
        if char == ",":
            toks.next()
            frame[1] = "key"
            return None
        if char == "}":
            toks.next()
            node.end = end
            return self.close(stack)
        if char == "]":
            return self.mismatched(stack, node, token)
        if kind in ("string", "badstring"):
            self.error(f"Missing ',' before {self.describe(token)}", start, end)
            frame[1] = "key"  # read on as if the comma were there
        else:
            self.error(f"Expected ',' or '}}', found {self.describe(token)}", start, end)
            toks.next()
        return None

    def next_is_colon(self) -> bool:
        toks = self.tokens
        following = toks.tokens[toks.i + 1] if toks.i + 1 < len(toks.tokens) else None
        return following is not None and self.text[following[1]] == ":"

    def array_step(
        self,
        stack: list[list[Any]],
        frame: list[Any],
        node: Node,
        token: tuple[str, int, int],
        char: str,
    ) -> Node | None:
        toks = self.tokens
        _, start, end = token
        state = frame[1]
        if char == "]":
            toks.next()
            node.end = end
            return self.close(stack)
        if char == "}":
            return self.mismatched(stack, node, token)
        if state in ("first", "item"):
            if char in ",:":
                self.error(f"Expected a value, found {self.describe(token)}", start, end)
                toks.next()
                return None
            self.value_into(stack, frame)
            return None
        if char == ",":
            toks.next()
            frame[1] = "item"
            return None
        if char == ":":
            self.error(f"Expected ',' or ']', found {self.describe(token)}", start, end)
            toks.next()
            return None
        self.error(f"Missing ',' before {self.describe(token)}", start, end)
        self.value_into(stack, frame)  # read on as if the comma were there
        return None

    def mismatched(
        self, stack: list[list[Any]], node: Node, token: tuple[str, int, int]
    ) -> Node | None:
        """A closer of the wrong kind: close up to its container, or drop it if it has none."""
        expected = "}" if node.kind == "object" else "]"
        self.error(f"Expected '{expected}', found {self.describe(token)}", token[1], token[2])
        wanted = "object" if self.text[token[1]] == "}" else "array"
        if not any(frame[0].kind == wanted for frame in stack):
            self.tokens.next()  # a stray closer: nothing takes it
            return None
        node.end = token[1]
        frame = stack[-1]
        if node.kind == "object" and frame[2] is not None:
            self.attach(frame, None)  # a key left without a value
        return self.close(stack)


def _to_python(root: Node | None) -> Any:
    """Convert a tolerant tree into plain Python values (last duplicate key wins)."""
    if root is None:
        return None
    out: dict[int, Any] = {}
    # Post-order with an explicit stack: children are converted before their parent.
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if node.kind not in ("object", "array") or node.too_deep:
            out[id(node)] = None if node.kind == "invalid" or node.too_deep else node.value
            continue
        if not done:
            stack.append((node, True))
            children = (
                node.items
                if node.kind == "array"
                else [child for _, _, child in node.members if child is not None]
            )
            stack.extend((child, False) for child in children)
            continue
        if node.kind == "array":
            out[id(node)] = [out.pop(id(child)) for child in node.items]
        else:
            out[id(node)] = {
                key: (None if child is None else out.pop(id(child)))
                for key, _, child in node.members
            }
    return out[id(root)]


class TolerantParsed(ParsedJson):
    """JSONC or broken JSON: a full tree with a range for every key and value."""

    def __init__(self, text: str, root: Node | None, errors: list[SyntaxIssue]) -> None:
        super().__init__(text, _to_python(root), errors)
        self.root = root

    def _member(self, node: Node, key: str) -> tuple[Span, Node | None] | None:
        for name, key_span, child in reversed(node.members):
            if name == key:
                return key_span, child
        return None

    def _node(self, path: Path) -> Node | None:
        node = self.root
        for part in path:
            if node is None:
                return None
            if isinstance(part, int) and node.kind == "array":
                node = node.items[part] if 0 <= part < len(node.items) else None
            elif isinstance(part, str) and node.kind == "object":
                member = self._member(node, part)
                node = None if member is None else member[1]
            else:
                return None
        return node

    def span(self, path: Path) -> Span | None:
        node = self._node(path)
        return None if node is None else Span(node.start, node.end)

    def key_span(self, path: Path) -> Span | None:
        if not path or not isinstance(path[-1], str):
            return None
        parent = self._node(path[:-1])
        if parent is None or parent.kind != "object":
            return None
        member = self._member(parent, path[-1])
        return None if member is None else member[0]
