"""The arguments of ``workspace/executeCommand``, checked before a command sees them.

pygls converts each argument to its handler's annotation with cattrs, which turns a number into
a string and lets a missing argument surface as a TypeError deep inside a handler (answered
with a Python traceback in the error's data). The commands take their raw arguments instead
and check them here: a wrong count, a wrong type or an oversized string is an InvalidParams
error with a short message, which never quotes more than a few dozen characters of the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

#: How much of a value an error message quotes.
QUOTED = 60


@dataclass(frozen=True)
class Param:
    """One string argument of a command: its name and how long it may be."""

    name: str
    limit: int


URI = Param("uri", 8192)
STEP_ID = Param("stepId", 1024)
RUN_ID = Param("runId", 256)


def short(text: str, limit: int = QUOTED) -> str:
    """``text`` for an error message: clipped, with unprintable characters replaced."""
    clipped = text if len(text) <= limit else text[: limit - 1] + "…"
    return "".join(char if char.isprintable() else "?" for char in clipped)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def strings(command: str, arguments: tuple[Any, ...], *params: Param) -> list[str]:
    """The arguments of ``command``, checked to be exactly ``params``, each a string."""
    usage = f"{command} [{', '.join(param.name for param in params)}]"
    if len(arguments) != len(params):
        raise JsonRpcInvalidParams(
            f"{usage}: expected {len(params)} argument{'s' * (len(params) != 1)}, "
            f"got {len(arguments)}"
        )
    for param, value in zip(params, arguments, strict=True):
        if not isinstance(value, str):
            raise JsonRpcInvalidParams(
                f"{usage}: {param.name} must be a string, not {_kind(value)}"
            )
        if not value or len(value) > param.limit:
            raise JsonRpcInvalidParams(
                f"{usage}: {param.name} must have 1 to {param.limit} characters, not {len(value)}"
            )
    return list(arguments)
