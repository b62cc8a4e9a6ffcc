"""The JSON Schema is the single source of truth: valid, documented, shipped with the package."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs

from tests.conftest import ROOT, SAMPLES
from workstream import jsonc
from workstream.analysis.schema import CONDITION_PATTERN, schema
from workstream.conditions import _BOUNDS
from workstream.model_values import MAX_DELAY, MAX_FILE_SIZE, MAX_RETRIES, MAX_SECONDS, MAX_WORKERS

SCHEMA_FILE = ROOT / "schemas" / "workstream.schema.json"


def properties(node: dict[str, Any], where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, child in node.get("properties", {}).items():
        yield f"{where}.{name}", child
        yield from properties(child, f"{where}.{name}")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield from properties(extra, f"{where}.*")
    for name, child in node.get("$defs", {}).items():
        yield from properties(child, f"#{name}")


def test_the_package_ships_the_same_schema_as_schemas_folder() -> None:
    assert schema() == json.loads(SCHEMA_FILE.read_text("utf-8"))


def test_schema_is_valid_draft_2020_12() -> None:
    doc = json.loads(SCHEMA_FILE.read_text("utf-8"))
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema_rs.meta.validate(doc)


def test_every_property_has_a_description_and_examples() -> None:
    for where, prop in properties(schema()):
        assert prop.get("description"), where
        if where.rsplit(".", 1)[-1] != "$schema":
            assert prop.get("examples"), where


def test_typos_are_caught_where_it_matters() -> None:
    doc = schema()
    assert doc["additionalProperties"] is False
    assert doc["properties"]["execution"]["additionalProperties"] is False
    assert doc["$defs"]["step"]["additionalProperties"] is False


def test_the_seed_example_validates() -> None:
    text = (SAMPLES / "02-parallel-execution.workstream.json").read_text("utf-8")
    value = jsonc.parse(text).value
    assert value["id"] == "ws-example-02-parallel-execution"
    assert jsonschema_rs.validator_for(schema()).is_valid(value)


def _plain(node: dict[str, Any]) -> dict[str, Any]:
    """A conditional setting's non-expression alternative (the node itself otherwise)."""
    alternatives = [a for a in node.get("anyOf", [node]) if a.get("pattern") != CONDITION_PATTERN]
    return alternatives[0] if len(alternatives) == 1 else {"oneOf": alternatives}


def test_the_schema_bounds_every_number_as_the_model_does() -> None:
    execution = {k: _plain(v) for k, v in schema()["properties"]["execution"]["properties"].items()}
    step = schema()["$defs"]["step"]["properties"]
    for node in (execution["timeout_per_step"], execution["timeout"], step["timeout"]):
        assert node["exclusiveMinimum"] == 0 and node["maximum"] == MAX_SECONDS
    assert execution["rate_limit_delay"]["minimum"] == 0
    assert execution["rate_limit_delay"]["maximum"] == MAX_DELAY
    for node in (execution["retries"], step["retries"]):
        assert node["minimum"] == 0 and node["maximum"] == MAX_RETRIES
    [integer, _] = execution["max_workers"]["oneOf"]
    assert integer["minimum"] == 1 and integer["maximum"] == MAX_WORKERS
    [_, size] = execution["max_file_size"]["oneOf"]
    assert size["minimum"] == 1 and size["maximum"] == MAX_FILE_SIZE
    # a conditional value is bounded the same way once resolved
    assert _BOUNDS == {
        "timeout_per_step": (0, MAX_SECONDS, True),
        "timeout": (0, MAX_SECONDS, True),
        "retries": (0, MAX_RETRIES, False),
        "rate_limit_delay": (0, MAX_DELAY, False),
    }
