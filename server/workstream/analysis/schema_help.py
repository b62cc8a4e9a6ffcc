"""What the schema says about a place in a workstream file: for hover and completion.

The JSON Schema (:func:`workstream.analysis.schema.schema`) is the one description of the
format; this module reads it for the editor, so that every LSP client — and VS Code without
its JSON language service on our files — gets each key's documentation on hover, the keys an
object may still take, and the values a setting allows, without a second copy of any text.

A place is a JSON path (``("steps", 2, "timeout")``). :func:`schema_at` walks the schema
along it through ``properties``, ``items``, ``additionalProperties`` (the ``tools`` map) and
``$ref``; where a value may be one of several shapes (``anyOf``/``oneOf``) the walk continues
into the branches that are objects or arrays, so ``select``'s object form still documents its
``score`` and ``better``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from workstream.analysis.schema import json_type, schema
from workstream.jsonc import Path

#: How a type reads in a hover.
_TYPE_WORDS = {
    "object": "object",
    "array": "array",
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One key an object may hold, as the schema documents it."""

    name: str
    description: str
    kinds: tuple[str, ...]  # the JSON types its value may have
    default: Any = None
    has_default: bool = False
    required: bool = False
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class ValueHelp:
    """One value a setting allows (an ``enum`` member, a ``const``, ``true``/``false``)."""

    value: Any
    description: str

    @property
    def text(self) -> str:
        """The value as JSON text."""
        return json.dumps(self.value)


def _resolve(node: Any) -> dict[str, Any]:
    """``node`` with its ``$ref`` (to ``#/$defs/...``) followed; {} for anything else."""
    root = schema()
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 16:
        ref = str(node["$ref"])
        if not ref.startswith("#/"):
            return {}
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node if isinstance(node, dict) else {}


def _branches(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``node`` and, resolved, each of its ``anyOf``/``oneOf``/``allOf`` branches (nested)."""
    todo, seen = [node], 0
    while todo and seen < 64:
        current = _resolve(todo.pop(0))
        seen += 1
        yield current
        for word in ("anyOf", "oneOf", "allOf"):
            todo.extend(b for b in current.get(word, ()) if isinstance(b, dict))


def schema_at(path: Path) -> list[dict[str, Any]]:
    """The schema nodes that may describe the value at ``path`` (empty when none does)."""
    nodes = [_resolve(schema())]
    for part in path:
        following: list[dict[str, Any]] = []
        for node in nodes:
            for branch in _branches(node):
                if isinstance(part, int):
                    items = branch.get("items")
                    if isinstance(items, dict):
                        following.append(_resolve(items))
                    continue
                properties = branch.get("properties", {})
                if part in properties:
                    following.append(_resolve(properties[part]))
                elif isinstance(branch.get("additionalProperties"), dict):
                    following.append(_resolve(branch["additionalProperties"]))
        nodes = following
        if not nodes:
            return []
    return nodes


def _kinds(node: dict[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for branch in _branches(node):
        kind = branch.get("type")
        for name in [kind] if isinstance(kind, str) else (kind or ()):
            if name in _TYPE_WORDS and name not in found:
                found.append(name)
        if "const" in branch or "enum" in branch:
            for value in [branch["const"]] if "const" in branch else branch["enum"]:
                name = json_type(value)
                if name not in found:
                    found.append(name)
    return tuple(found)


def _help(name: str, node: dict[str, Any], required: bool) -> KeyHelp:
    return KeyHelp(
        name=name,
        description=str(node.get("description", "")),
        kinds=_kinds(node),
        default=node.get("default"),
        has_default="default" in node,
        required=required,
        examples=tuple(node.get("examples", ())),
    )


def key_help(path: Path) -> KeyHelp | None:
    """The documentation of the key that ends ``path`` (``("execution", "reuse")``)."""
    if not path or isinstance(path[-1], int):
        return None
    for node in schema_at(path[:-1]):
        for branch in _branches(node):
            properties = branch.get("properties", {})
            if path[-1] in properties:
                required = path[-1] in branch.get("required", ())
                return _help(str(path[-1]), _resolve(properties[path[-1]]), required)
    return None


def keys_at(path: Path, present: Iterable[str] = ()) -> list[KeyHelp]:
    """The keys the object at ``path`` may still take (not in ``present``), in schema order."""
    taken = set(present)
    out: list[KeyHelp] = []
    names: set[str] = set()
    for node in schema_at(path):
        for branch in _branches(node):
            required = set(branch.get("required", ()))
            for name, sub in branch.get("properties", {}).items():
                if name in taken or name in names or name == "$schema":
                    continue
                names.add(name)
                out.append(_help(name, _resolve(sub), name in required))
    return out


def values_at(path: Path) -> list[ValueHelp]:
    """The values to offer for the setting at ``path``: its enum members and consts, then its
    scalar examples where it has some (a setting the schema types loosely, such as ``reuse``,
    says what it means there), else ``true`` and ``false`` for a boolean."""
    out: list[ValueHelp] = []
    seen: set[str] = set()

    def add(value: Any, description: str) -> None:
        key = json.dumps(value)
        if key not in seen:
            seen.add(key)
            out.append(ValueHelp(value, description))

    for node in schema_at(path):
        for branch in _branches(node):
            described = str(branch.get("description", ""))
            if "const" in branch:
                add(branch["const"], described)
            for value in branch.get("enum", ()):
                add(value, described)
            kind = branch.get("type")
            if "examples" in node:
                continue  # curated below: a type alone (``reuse``'s) may allow more than it means
            if kind == "boolean" or (isinstance(kind, list) and "boolean" in kind):
                add(True, described)
                add(False, described)
        if node.get("type") == "string":
            continue  # free text (an id, a command): its examples are not choices
        for example in node.get("examples", ()):  # a loosely typed setting such as ``reuse``
            if isinstance(example, str | bool | int | float) and example is not None:
                add(example, "an example")
    return out


def describe_key(path: Path) -> str | None:
    """A Markdown hover for the key that ends ``path``, or None when the schema has none."""
    found = key_help(path)
    if found is None:
        return None
    parts = ["<name>" if path[:1] == ("tools",) and i == 1 else p for i, p in enumerate(path)]
    where = ".".join("[]" if isinstance(p, int) else p for p in parts).replace(".[]", "[]")
    facts = []
    if found.kinds:
        facts.append(" or ".join(_TYPE_WORDS[k] for k in found.kinds))
    if found.required:
        facts.append("required")
    if found.has_default:
        facts.append(f"default `{json.dumps(found.default)}`")
    lines = [f"**{found.name}** — `{where}`" + (f" ({', '.join(facts)})" if facts else "")]
    if found.description:
        lines += ["", found.description]
    shown = [json.dumps(e) for e in found.examples[:3] if len(json.dumps(e)) <= 80]
    if shown:
        lines += ["", "Examples: " + ", ".join(f"`{e}`" for e in shown)]
    return "\n".join(lines)
