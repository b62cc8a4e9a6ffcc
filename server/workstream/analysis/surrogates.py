"""Lone surrogates: ``"\\ud800"`` is valid JSON but not a character; found, and never printed.

JSON lets a string escape half of a UTF-16 surrogate pair on its own; Python decodes it into a
string that cannot be encoded as UTF-8, so a step id, a command or a path holding one would
make git, the file system, a terminal or the language server's output fail. :func:`lone` finds
each string (key or value) holding one (the schema check makes it a WS002 finding on its
token), and :func:`clean` escapes them in messages, so what the analysis says can always be
printed and sent.

Both are gated by scans at C speed (no backslash or non-ASCII text: nothing to look for), so a
document without any costs nothing measurable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from workstream.findings import Finding
from workstream.jsonc import Path

_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def possible(text: str) -> bool:
    """False when ``text`` can hold no lone surrogate, raw or escaped (the usual case)."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return True
    return "\\" in text and _ESCAPE.search(text) is not None


def _strings(value: Any, prefix: Path) -> Iterator[tuple[Path, str, bool]]:
    """Every string in a value: its path, itself, and whether it is an object's key."""
    todo: list[tuple[Path, Any]] = [(prefix, value)]
    while todo:
        path, item = todo.pop()
        if isinstance(item, str):
            yield path, item, False
        elif isinstance(item, list):
            todo.extend(((*path, i), child) for i, child in enumerate(item))
        elif isinstance(item, dict):
            for key, child in item.items():
                yield (*path, key), key, True
                todo.append(((*path, key), child))


def lone(instance: Any, prefix: Path, text: str) -> Iterator[tuple[Path, str, bool]]:
    """The strings of ``instance`` (found at ``prefix``, written in ``text``) that hold a lone
    surrogate: each one's path, itself, and whether it is an object's key."""
    if possible(text):
        for path, string, is_key in _strings(instance, prefix):
            if _SURROGATE.search(string) is not None:
                yield path, string, is_key


def printable(text: str) -> str:
    """``text`` with each lone surrogate written as its escape (``\\ud800``)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def clean(findings: list[Finding], text: str) -> list[Finding]:
    """The findings with lone surrogates escaped in their messages (when ``text`` may hold any)."""
    if not possible(text):
        return findings
    return [
        f
        if _SURROGATE.search(f.message) is None
        and not any(_SURROGATE.search(r.message) for r in f.related)
        else replace(
            f,
            message=printable(f.message),
            related=tuple(replace(r, message=printable(r.message)) for r in f.related),
        )
        for f in findings
    ]


#: Per object of a scrubbed copy (by ``id``): its keys that the scrub changed, to the originals.
KeyMap = dict[int, dict[str, str]]


def scrubbed(value: Any) -> tuple[Any, KeyMap]:
    """A copy of a JSON value with lone surrogates replaced by ``?`` (for a validator that
    cannot encode them), and the map back to the original keys. Iterative: any depth."""
    keys: KeyMap = {}
    top: list[Any] = [None]
    todo: list[tuple[Any, Any, Any]] = [(value, top, 0)]  # (item, its copy's parent, slot)
    while todo:
        item, parent, slot = todo.pop()
        if isinstance(item, str):
            parent[slot] = item.encode("utf-8", "replace").decode("utf-8")
        elif isinstance(item, list):
            items: list[Any] = [None] * len(item)
            parent[slot] = items
            todo.extend((child, items, i) for i, child in enumerate(item))
        elif isinstance(item, dict):
            members: dict[str, Any] = {}
            parent[slot] = members
            changed = {}
            for key, child in item.items():
                clean = key.encode("utf-8", "replace").decode("utf-8")
                if clean != key:
                    changed[clean] = key
                members[clean] = None  # keeps the order; the value is filled in below
                todo.append((child, members, clean))
            if changed:
                keys[id(members)] = changed
        else:
            parent[slot] = item
    return top[0], keys
