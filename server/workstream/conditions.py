"""Conditional execution settings: ``"${env.NAME}"``, ``"${env.NAME:-default}"`` and
``"${env.NAME == 'value'}"`` (or ``!=``) as the value of a scalar ``execution`` setting.

A whole string value of one of :data:`CONDITIONAL` that starts with ``${`` is an expression.
It is resolved against the environment of the process that reads the file (the run's, when a
run starts; the editor's language server's, for its hover): ``${env.NAME}`` is the variable's
value (empty when unset), ``:-default`` is used when it is unset or empty, and a comparison
gives ``true`` or ``false``. The resolved text is then read as the setting's type (a boolean:
``true``/``false``, ``1``/``0``, ``yes``/``no``, ``on``/``off``; an integer; a number; a
revision). Nothing else is interpolated: no shell, no nesting, no other source than ``env``.

Pure: no I/O beyond the mapping it is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["boolean", "workers", "integer", "number", "revision"]

#: The settings that may be conditional, and what each resolves to.
CONDITIONAL: dict[str, Kind] = {
    "parallel": "boolean",
    "max_workers": "workers",
    "timeout_per_step": "number",
    "timeout": "number",
    "fail_fast": "boolean",
    "retries": "integer",
    "rate_limit_delay": "number",
    "base": "revision",
    "sandbox": "boolean",
    "network": "boolean",
}

_EXPRESSION = re.compile(
    r"\$\{\s*env\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?:(?P<default>:-)(?P<fallback>[^}]*)|(?P<op>==|!=)\s*'(?P<value>[^']*)'\s*)?\}"
)
#: Bounds of the numeric settings, as the schema gives them (low, high, low excluded).
_BOUNDS: dict[str, tuple[float, float, bool]] = {
    "timeout_per_step": (0, 604800, True),
    "timeout": (0, 604800, True),
    "retries": (0, 100, False),
    "rate_limit_delay": (0, 3600, False),
}
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_SHAPES = {
    "boolean": "true or false",
    "workers": 'an integer from 1 to 1024, or "auto"',
    "integer": "a whole number",
    "number": "a number",
    "timeout_per_step": "a number of seconds above 0, at most 604800",
    "timeout": "a number of seconds above 0, at most 604800",
    "retries": "a whole number from 0 to 100",
    "rate_limit_delay": "a number of seconds from 0 to 3600",
    "revision": "a git revision",
}


@dataclass(frozen=True, slots=True)
class Expression:
    """One parsed ``${env.…}``."""

    name: str
    fallback: str | None = None  # the text after ``:-``
    op: str | None = None  # ``==`` or ``!=``
    value: str = ""

    def resolve(self, env: Mapping[str, str]) -> str | bool:
        """The text (or, for a comparison, the boolean) it stands for in ``env``."""
        current = env.get(self.name)
        if self.op is not None:
            return ((current or "") == self.value) == (self.op == "==")
        if self.fallback is not None and not current:
            return self.fallback
        return current or ""


@dataclass(frozen=True, slots=True)
class Resolved:
    """A conditional setting: its expression, its value now, or what is wrong with it."""

    text: str
    value: bool | int | float | str | None  # None when malformed or of the wrong type
    shown: str  # the resolved text (or boolean), for hovers and --dry-run
    problem: str | None = None  # a sentence fragment, for WS209/WS210
    malformed: bool = False


def is_expression(value: object) -> bool:
    """Whether a raw setting value is meant as an expression."""
    return isinstance(value, str) and value.lstrip().startswith("${")


def parse(text: str) -> Expression | None:
    """The expression, or None when ``text`` is not exactly one well-formed ``${env.…}``."""
    match = _EXPRESSION.fullmatch(text.strip())
    if match is None:
        return None
    return Expression(
        match["name"],
        match["fallback"] if match["default"] else None,
        match["op"],
        match["value"] or "",
    )


def resolve(setting: str, text: str, env: Mapping[str, str]) -> Resolved:
    """Resolve a conditional value of ``execution.<setting>`` in ``env``."""
    expression = parse(text)
    if expression is None:
        return Resolved(
            text,
            None,
            "",
            "is not an expression Workstream reads: use ${env.NAME}, ${env.NAME:-default} "
            "or ${env.NAME == 'value'}",
            malformed=True,
        )
    raw = expression.resolve(env)
    shown = ("true" if raw else "false") if isinstance(raw, bool) else raw
    value = _coerce(CONDITIONAL[setting], raw)
    if value is not None and setting in _BOUNDS and not isinstance(value, bool | str):
        low, high, open_low = _BOUNDS[setting]
        if value > high or value < low or (open_low and value == low):
            value = None
    if value is None:
        unset = f" (${{env.{expression.name}}} is unset)" if expression.name not in env else ""
        now = f"'{shown}'" if shown else "empty"
        wanted = _SHAPES.get(setting) or _SHAPES[CONDITIONAL[setting]]
        return Resolved(text, None, shown, f"resolves to {now} here{unset}, not {wanted}")
    return Resolved(text, value, shown)


def _coerce(kind: Kind, raw: str | bool) -> bool | int | float | str | None:
    if isinstance(raw, bool):
        return raw if kind == "boolean" else None
    text = raw.strip()
    if kind == "boolean":
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    if kind == "workers":
        if text == "auto":
            return "auto"
        number = _int(text)
        return number if number is not None and 1 <= number <= 1024 else None
    if kind == "integer":
        number = _int(text)
        return number if number is not None and number >= 0 else None
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            return None
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    return text or None  # a revision


def _int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[+]?\d{1,9}", text) else None


def resolve_execution(raw: Mapping[str, object], env: Mapping[str, str]) -> dict[str, Resolved]:
    """Every conditional setting of a raw ``execution`` object, resolved."""
    return {
        key: resolve(key, value, env)
        for key, value in raw.items()
        if key in CONDITIONAL and isinstance(value, str) and is_expression(value)
    }
