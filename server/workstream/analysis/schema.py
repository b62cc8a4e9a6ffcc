"""WS002: validation against ``schemas/workstream.schema.json``, the single source of truth.

jsonschema-rs does the validation (about 30x faster than the pure-Python jsonschema here);
this module turns each error into a finding with a message a person can act on and the range
of the offending token (the key of an unknown property, the value of a wrong one).
"""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

from workstream.analysis import surrogates
from workstream.findings import Finding, Span, finding
from workstream.jsonc import ParsedJson, Path

_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@cache
def schema() -> dict[str, Any]:
    """The workstream JSON Schema, as shipped inside the package."""
    text = resources.files("workstream").joinpath("data/workstream.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(schema())


@cache
def _step_validator() -> Any:
    root = schema()
    return jsonschema_rs.validator_for(
        {"$schema": root["$schema"], "$defs": root["$defs"], "$ref": "#/$defs/step"}
    )


def json_type(value: Any) -> str:
    """The JSON Schema type name of a Python value parsed from JSON."""
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _subschema(path: Path, root: dict[str, Any]) -> dict[str, Any]:
    """The schema that governs the instance at ``path`` (following properties/items/$ref)."""
    node = root
    for part in path:
        if "$ref" in node:
            node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            props = node.get("properties", {})
            node = props.get(part) or node.get("additionalProperties") or {}
            if not isinstance(node, dict):
                return {}
    if "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def describe(path: Path, value: Any) -> str:
    """Where a path points, in words: "step 'b'", "'execution.max_workers'", "the document"."""
    if not path:
        return "the document"
    if path[0] == "steps" and len(path) >= 2 and isinstance(path[1], int):
        steps = value.get("steps") if isinstance(value, dict) else None
        step = steps[path[1]] if isinstance(steps, list) and path[1] < len(steps) else None
        step_id = step.get("id") if isinstance(step, dict) else None
        name = f"step '{step_id}'" if isinstance(step_id, str) else f"step #{path[1] + 1}"
        rest = _dotted(path[2:])
        return f"'{rest}' of {name}" if rest else name
    return f"'{_dotted(path)}'"


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _typed_path(value: Any, raw: list[Any], keys: surrogates.KeyMap) -> tuple[Path, dict[str, str]]:
    """The instance path with keys as ``str`` and indices as ``int``, checked against the value
    the validator saw, with the original keys (``keys`` maps back those a scrub changed); and
    that map for the object at the path.

    (jsonschema-rs reports an object key that looks like a number as an int.)
    """
    path: list[str | int] = []
    for part in raw:
        if isinstance(value, list):
            part = int(part)
            value = value[part]
            path.append(part)
        else:
            part = str(part)
            original = keys.get(id(value), {}).get(part, part)
            value = value[part]
            path.append(original)
    return tuple(path), keys.get(id(value), {})


def _value_at(value: Any, path: Path) -> Any:
    for part in path:
        value = value[part]
    return value


def check(parsed: ParsedJson) -> list[Finding]:
    """Validate the parsed value; one WS002 finding per error."""
    value = parsed.value
    if value is None and parsed.errors:
        return []  # nothing readable: the syntax error says it all
    return _check(parsed, _validator(), value, (), parsed.text)


def check_step(parsed: ParsedJson, index: int) -> list[Finding]:
    """Validate only ``steps[index]`` against the step schema (for incremental analysis)."""
    prefix: Path = ("steps", index)
    span = parsed.best_span(prefix)
    text = parsed.text[span.start : span.end]
    return _check(parsed, _step_validator(), parsed.value["steps"][index], prefix, text)


def _check(
    parsed: ParsedJson, validator: Any, instance: Any, prefix: Path, text: str
) -> list[Finding]:
    # the validator cannot take lone surrogates (they are reported below, on their own)
    checked, keys = surrogates.scrubbed(instance) if surrogates.possible(text) else (instance, {})
    findings = []
    try:
        errors = list(validator.iter_errors(checked))
    except ValueError as exc:  # jsonschema-rs refuses absurdly deep values
        errors = []
        findings.append(finding("WS002", f"The document cannot be validated: {exc}", Span(0, 0)))
    for error in errors:
        path, renamed = _typed_path(checked, error.instance_path, keys)
        findings.extend(_findings(parsed, error, prefix + path, renamed))
    for path, string, is_key in surrogates.lone(instance, prefix, text):
        span = (parsed.key_span(path) if is_key else None) or parsed.best_span(path)
        where = describe(path[:-1] if is_key else path, parsed.value)
        what = f"A key in {where}" if is_key else where[:1].upper() + where[1:]
        findings.append(
            finding(
                "WS002",
                f"{what} holds a lone surrogate ('{surrogates.printable(string)[:60]}'): half "
                "of a UTF-16 pair is not a character, and cannot be written to a file, a "
                "command or git. Write the character itself, or remove the escape.",
                span,
            )
        )
    return findings


def _findings(parsed: ParsedJson, error: Any, path: Path, renamed: dict[str, str]) -> list[Finding]:
    """The findings for one validation error (one per unknown key, else one); ``renamed`` maps
    the keys of the object at ``path`` as the validator saw them back to the document's."""
    value = parsed.value
    kind = error.kind
    name = type(kind).__name__
    instance = _value_at(value, path)
    where = describe(path, value)
    subject = where[:1].upper() + where[1:]  # the same words, starting a sentence
    span = parsed.best_span(path)
    governing = _subschema(path, schema())
    if name == "AdditionalProperties":
        allowed = list(governing.get("properties", {}))
        found = []
        for seen in kind.unexpected:
            key = renamed.get(seen, seen)
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else f" Allowed: {', '.join(allowed)}."
            found.append(
                finding(
                    "WS002",
                    f"Unknown property '{key}' in {where}.{hint}",
                    parsed.key_span((*path, key)) or span,
                    unknown=key,
                    suggestions=close,
                )
            )
        return found
    if name == "Required":
        missing = kind.property
        if path and path[0] == "steps" and len(path) == 2:
            message = f"{subject} has no '{missing}': every step needs one."
        else:
            message = f"{subject} is missing the required property '{missing}'."
        if path == () and isinstance(instance, dict):
            return [finding("WS002", message, Span(span.start, span.start + 1))]
        key = parsed.key_span(path) if path and isinstance(path[-1], str) else None
        return [finding("WS002", message, key or Span(span.start, span.start + 1))]
    if name == "Type":
        expected = [str(t).lower() for t in kind.types] if hasattr(kind, "types") else []
        words = " or ".join(_TYPE_NAMES.get(t, t) for t in expected) or "another type"
        actual = _TYPE_NAMES[json_type(instance)]
        if not path:
            return [
                finding("WS002", f"A workstream file must be a JSON object, found {actual}.", span)
            ]
        return [finding("WS002", f"{subject} must be {words}, found {actual}.", span)]
    if name == "MaxLength" and path[-1:] == ("id",) and (len(path) == 1 or path[0] == "steps"):
        return []  # a workstream or step id too long: WS301 says so, with git's other rules
    plain = _plain_alternatives(governing)
    if name == "AnyOf" and plain is not None:  # a setting that may also be a ${env.…}
        problem = _plain_problem(plain, instance)
        return [
            finding(
                "WS002",
                f'{subject} {problem} (or a conditional "${{env.…}}").',
                span,
            )
        ]
    if name in ("OneOfNotValid", "AnyOf"):
        desc = governing.get("description", "")
        return [finding("WS002", f"{subject} has an invalid value. {desc}".strip(), span)]
    if name == "PropertyNames":
        return [
            finding(
                "WS002",
                f"{subject} has a name that is not allowed: {error.message}",
                span,
            )
        ]
    message = _LONG_NUMBER.sub(_short_number, str(error.message))
    return [finding("WS002", f"{subject}: {message}.", span)]


def _plain_alternatives(governing: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The alternatives of a conditional setting's ``anyOf`` other than the expression."""
    alternatives = governing.get("anyOf")
    if not isinstance(alternatives, list):
        return None
    plain = [a for a in alternatives if a.get("pattern") != CONDITION_PATTERN]
    return plain if len(plain) < len(alternatives) else None


def _plain_problem(plain: list[dict[str, Any]], instance: Any) -> str:
    """What is wrong with a value none of the plain alternatives accepts, in a few words."""
    actual = json_type(instance)
    types = [a["type"] for a in plain if "type" in a]
    consts = [json.dumps(a["const"]) for a in plain if "const" in a]
    if not any(t == actual or (t == "number" and actual == "integer") for t in types):
        wanted = " or ".join([*(_TYPE_NAMES[t] for t in types), *consts])
        return f"must be {wanted}, found {_TYPE_NAMES[actual]}"
    for alternative in plain:
        if alternative.get("type") in (actual, "number"):
            errors = list(jsonschema_rs.validator_for(alternative).iter_errors(instance))
            if errors:
                return "is out of range: " + _LONG_NUMBER.sub(_short_number, errors[0].message)
    return "has an invalid value"


#: The ``pattern`` of the schema's conditional alternative (``"${env.…}"``).
CONDITION_PATTERN = "^\\s*\\$\\{"

_LONG_NUMBER = re.compile(r"\d{16,}(?:\.\d+)?(?:[eE][+-]?\d+)?")


def _short_number(match: re.Match[str]) -> str:
    """A number too long to read, in scientific notation."""
    return f"{float(match.group()):.3g}"
