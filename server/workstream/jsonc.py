"""A tolerant parser for JSON with comments and trailing commas that keeps source ranges.

Two paths share one interface, :class:`ParsedJson`:

* the **fast path**: valid plain JSON is decoded by the C ``json`` module; source ranges are
  resolved lazily, only for the paths a finding actually reports, by skipping sibling values
  with the C scanner (each container is indexed once, at C speed);
* the **tolerant path**: anything else (comments, trailing commas, syntax errors, a file being
  typed) goes through a small iterative recursive-descent parser that records the range of every
  key and value, reports the first syntax error and recovers, so everything that can still be
  read is still analysed.

Paths are tuples of object keys (``str``) and array indices (``int``), like JSON Pointer parts.
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workstream.findings import Span

Path = tuple[str | int, ...]

#: The tolerant parser does not descend into containers nested deeper than this (they become
#: ``None``): a workstream is four levels deep, and a hostile document must not cost more.
MAX_DEPTH = 128


@dataclass(frozen=True, slots=True)
class SyntaxIssue:
    """A syntax error at a span, with a message for a person."""

    message: str
    span: Span


class ParsedJson:
    """The result of parsing: the Python value plus a way back to source ranges."""

    def __init__(self, text: str, value: Any, errors: Sequence[SyntaxIssue]) -> None:
        self.text = text
        self.value = value
        self.errors = list(errors)

    def span(self, path: Path) -> Span | None:
        """The range of the value at ``path`` (strings include their quotes)."""
        raise NotImplementedError

    def key_span(self, path: Path) -> Span | None:
        """The range of the key of the object member at ``path`` (last part is a key)."""
        raise NotImplementedError

    def best_span(self, path: Path) -> Span:
        """The range at ``path``, else at its nearest ancestor that exists, else the start."""
        for n in range(len(path), -1, -1):
            found = self.span(path[:n])
            if found is not None:
                return found
        return Span(0, 0)


# --------------------------------------------------------------------------- fast path


_WS = re.compile(r"[ \t\n\r]*")
_scan_once: Any = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _FastParsed(ParsedJson):
    """Plain JSON decoded at C speed; ranges found on demand."""

    def __init__(self, text: str, value: Any) -> None:
        super().__init__(text, value, ())
        self._arrays: dict[int, list[int]] = {}
        self._objects: dict[int, dict[str, tuple[int, int, int]]] = {}
        self._spans: dict[Path, Span | None] = {}

    def _skip(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def _value_end(self, pos: int) -> int:
        return int(_scan_once(self.text, pos)[1])

    def _array(self, start: int) -> list[int]:
        offsets = self._arrays.get(start)
        if offsets is None:
            text, offsets = self.text, []
            pos = self._skip(start + 1)
            while text[pos] != "]":
                offsets.append(pos)
                pos = self._skip(self._value_end(pos))
                if text[pos] == ",":
                    pos = self._skip(pos + 1)
            self._arrays[start] = offsets
        return offsets

    def _object(self, start: int) -> dict[str, tuple[int, int, int]]:
        members = self._objects.get(start)
        if members is None:
            text, members = self.text, {}
            pos = self._skip(start + 1)
            while text[pos] == '"':
                key, key_end = _scan_once(text, pos)
                value_start = self._skip(self._skip(key_end) + 1)
                members[key] = (pos, key_end, value_start)  # last duplicate wins, as in json
                pos = self._skip(self._value_end(value_start))
                if text[pos] == ",":
                    pos = self._skip(pos + 1)
            self._objects[start] = members
        return members

    def _start(self, path: Path) -> int | None:
        pos = self._skip(0)
        for part in path:
            opener = self.text[pos]
            if isinstance(part, int) and opener == "[":
                offsets = self._array(pos)
                if not 0 <= part < len(offsets):
                    return None
                pos = offsets[part]
            elif isinstance(part, str) and opener == "{":
                member = self._object(pos).get(part)
                if member is None:
                    return None
                pos = member[2]
            else:
                return None
        return pos

    def span(self, path: Path) -> Span | None:
        if path in self._spans:
            return self._spans[path]
        start = self._start(path)
        found = None if start is None else Span(start, self._value_end(start))
        self._spans[path] = found
        return found

    def key_span(self, path: Path) -> Span | None:
        if not path or not isinstance(path[-1], str):
            return None
        start = self._start(path[:-1])
        if start is None or self.text[start] != "{":
            return None
        member = self._object(start).get(path[-1])
        return None if member is None else Span(member[0], member[1])


# ----------------------------------------------------------------------- tolerant path


@dataclass(slots=True)
class Node:
    """A value in the tolerant parse tree."""

    kind: str  # object | array | string | number | literal | invalid
    start: int
    end: int
    value: Any = None  # the Python value of a scalar
    # object members: (key, key span, value node or None); arrays: value nodes
    members: list[tuple[str, Span, Node | None]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    too_deep: bool = False


_TOKEN = re.compile(
    r"""
    (?P<skip>(?:[ \t\r\n\ufeff]+|//[^\n]*|/\*(?:.|\n)*?\*/)+)
  | (?P<opencomment>/\*(?:.|\n)*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<badstring>"(?:[^"\\\n]|\\.)*)
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>[{}\[\]:,])
  | (?P<word>[A-Za-z_$][A-Za-z0-9_$.+-]*|-?[0-9][A-Za-z0-9_.+-]*)
  | (?P<other>.)
    """,
    re.VERBOSE,
)

_LITERALS = {"true": True, "false": False, "null": None}
_NOT_PUNCT = "\0"  # stands for "no punctuation" in membership tests such as `char in ",}"`


class _Tokens:
    """A cursor over significant tokens: (kind, start, end)."""

    def __init__(self, text: str, errors: list[SyntaxIssue]) -> None:
        self.tokens: list[tuple[str, int, int]] = []
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup or "other"
            if kind == "skip":
                continue
            if kind == "opencomment":
                errors.append(
                    SyntaxIssue("Unterminated comment: add '*/'", Span(m.start(), m.end()))
                )
                continue
            self.tokens.append((kind, m.start(), m.end()))
        self.i = 0

    def peek(self) -> tuple[str, int, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self) -> tuple[str, int, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token


class _TolerantParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.errors: list[SyntaxIssue] = []
        self.tokens = _Tokens(text, self.errors)

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
            return Node("number", start, end, json.loads(raw))
        if kind == "word" and raw in _LITERALS:
            return Node("literal", start, end, _LITERALS[raw])
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
                    node.members.append((frame[2], frame[3], None))
                result = self.close(stack)
                continue
            char = self.text[token[1]] if token[0] == "punct" else _NOT_PUNCT
            if node.kind == "object":
                result = self.object_step(stack, frame, node, token, char)
            else:
                result = self.array_step(stack, frame, node, token, char)
        return result

    def open_or_scalar(self, stack: list[list[Any]]) -> Node | None:
        """Consume the token at the cursor as a value; push a frame if it opens a container."""
        kind, start, end = self.tokens.next()
        char = self.text[start] if kind == "punct" else _NOT_PUNCT
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
            if (
                kind == "word"
                and toks.i + 1 < len(toks.tokens)
                and self.text[toks.tokens[toks.i + 1][1]] == ":"
            ):
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
                node.members.append((frame[2], frame[3], None))
                frame[2] = frame[3] = None
                frame[1] = "after"
                return None
            frame[1] = "value"
            return None
        if state == "value":
            if char in ",}]":
                self.error(f"Expected a value, found {self.describe(token)}", start, end)
                node.members.append((frame[2], frame[3], None))
                frame[2] = frame[3] = None
                frame[1] = "after"
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
            node.members.append((frame[2], frame[3], None))
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


class _TolerantParsed(ParsedJson):
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


def reparse_element(
    parsed: ParsedJson, array: Path, text: str, start: int, old_end: int, new_end: int
) -> tuple[ParsedJson, int] | None:
    """Re-parse after an edit that stays inside one element of an array; None otherwise.

    ``parsed.text[start:old_end]`` became ``text[start:new_end]``. When ``parsed`` came from
    the fast path and the edit lies strictly inside element ``k`` of the array at ``array``
    (not touching its first or last character), only that element is decoded again; the rest
    of the value is shared, and the source index built so far is carried over, shifted. The
    result is exactly what :func:`parse` gives for ``text``: the new element must decode as
    one JSON value on its own, and the text around it is unchanged.
    """
    if not isinstance(parsed, _FastParsed):
        return None
    try:
        array_start = parsed._start(array)
        if array_start is None or parsed.text[array_start] != "[":
            return None
        offsets = parsed._array(array_start)
        k = bisect.bisect_right(offsets, start) - 1
        if k < 0:
            return None
        element_start = offsets[k]
        element_end = parsed._value_end(element_start)
        if not element_start < start <= old_end < element_end:
            return None
        delta = new_end - old_end
        value = json.loads(
            text[element_start : element_end + delta], parse_constant=_reject_constant
        )
    except (ValueError, RecursionError, StopIteration, IndexError):
        return None
    root = _replaced(parsed.value, array, k, value)
    fresh = _FastParsed(text, root)

    def moved(offset: int) -> int:
        return offset + delta if offset >= old_end else offset

    def inside(offset: int) -> bool:
        return element_start <= offset < element_end

    fresh._arrays = {
        moved(s): [moved(o) for o in items] for s, items in parsed._arrays.items() if not inside(s)
    }
    fresh._objects = {
        moved(s): {key: (moved(a), moved(b), moved(c)) for key, (a, b, c) in members.items()}
        for s, members in parsed._objects.items()
        if not inside(s)
    }
    changed = (*array, k)
    fresh._spans = {
        path: None if span is None else Span(moved(span.start), moved(span.end))
        for path, span in parsed._spans.items()
        if path[: len(changed)] != changed and span is not None
    }
    return fresh, k


def _replaced(value: Any, array: Path, index: int, element: Any) -> Any:
    """A copy of ``value`` with ``value[array][index]`` replaced (copying only that path)."""
    if not array:
        copy = list(value)
        copy[index] = element
        return copy
    outer: Any = dict(value) if isinstance(value, dict) else list(value)
    outer[array[0]] = _replaced(value[array[0]], array[1:], index, element)
    return outer


_STRICT = json.JSONDecoder(parse_constant=_reject_constant)
_strict_scan: Any = json.scanner.make_scanner(_STRICT)  # type: ignore[arg-type]


def _decode_indexed(text: str) -> _FastParsed:
    """Decode plain JSON exactly as ``json.loads`` does (raising on anything else), but walk a
    top-level object and its arrays (the steps) here, so their source index is built on the
    way at no extra decoding cost; every other value is decoded by the C scanner."""
    skip = _WS.match
    pos = skip(text, 0).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "{":
        return _FastParsed(text, json.loads(text, parse_constant=_reject_constant))
    root: dict[str, Any] = {}
    members: dict[str, tuple[int, int, int]] = {}
    arrays: dict[int, list[int]] = {}
    root_start = pos
    pos = skip(text, pos + 1).end()  # type: ignore[union-attr]
    while text[pos] != "}" or members:
        if text[pos] != '"':
            raise ValueError("expected a property name")
        key, key_end = _strict_scan(text, pos)
        colon = skip(text, key_end).end()  # type: ignore[union-attr]
        if text[colon] != ":":
            raise ValueError("expected ':'")
        start = skip(text, colon + 1).end()  # type: ignore[union-attr]
        if text[start] == "[":
            value, end, arrays[start] = _decode_array(text, start)
        else:
            value, end = _strict_scan(text, start)
        members[key] = (pos, key_end, start)
        root[key] = value
        pos = skip(text, end).end()  # type: ignore[union-attr]
        if text[pos] == "}":
            break
        if text[pos] != ",":
            raise ValueError("expected ',' or '}'")
        pos = skip(text, pos + 1).end()  # type: ignore[union-attr]
    if skip(text, pos + 1).end() != len(text):  # type: ignore[union-attr]
        raise ValueError("extra data after the document")
    parsed = _FastParsed(text, root)
    parsed._objects[root_start] = members
    parsed._arrays.update(arrays)
    return parsed


def _decode_array(text: str, start: int) -> tuple[list[Any], int, list[int]]:
    """Decode the array at ``start``: its items, the offset after it, each item's offset."""
    skip = _WS.match
    items: list[Any] = []
    offsets: list[int] = []
    pos = skip(text, start + 1).end()  # type: ignore[union-attr]
    if text[pos] == "]":
        return items, pos + 1, offsets
    while True:
        offsets.append(pos)
        value, end = _strict_scan(text, pos)
        items.append(value)
        pos = skip(text, end).end()  # type: ignore[union-attr]
        if text[pos] == "]":
            return items, pos + 1, offsets
        if text[pos] != ",":
            raise ValueError("expected ',' or ']'")
        pos = skip(text, pos + 1).end()  # type: ignore[union-attr]


def parse(text: str) -> ParsedJson:
    """Parse JSON-with-comments text; never raises, whatever the input."""
    # A BOM is tolerated: blank it out so offsets stay the same.
    source = " " + text[1:] if text.startswith("\ufeff") else text
    try:
        return _decode_indexed(source)
    except (ValueError, RecursionError, StopIteration, IndexError):
        pass  # not plain JSON: comments, trailing commas, or a mistake
    parser = _TolerantParser(source)
    root = parser.parse()
    return _TolerantParsed(source, root, parser.errors)
