"""How raw JSON values become model values: bounded numbers, strings, sizes, addresses.

Each ``as_*`` takes whatever the document holds and returns the value, or None (or the
default) for a value of the wrong type or out of bounds: the schema check reports those, and
the model never carries them. The bounds are the schema's maxima (a test keeps them equal).
"""

from __future__ import annotations

import re
from typing import Any

from workstream.sizes import parse_size

DEFAULT_MAX_FILE_SIZE = 100 * 2**20  # execution.max_file_size: 100 MiB


def as_text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


_JUST_STR = frozenset({str})


def as_strings(value: Any) -> tuple[str, ...] | None:
    if value.__class__ is not list:
        return None
    out = tuple(value)
    if _JUST_STR.issuperset(map(type, out)):  # the usual case, checked at C speed
        return out
    return tuple(item for item in out if isinstance(item, str))


#: The largest values the executor accepts: the schema's maxima (a test keeps them equal).
MAX_SECONDS = 604800.0  # a week: timeouts
MAX_DELAY = 3600.0  # rate_limit_delay
MAX_BREAKER = 1000  # circuit_breaker.failures
MAX_GROUP = 1_000_000  # parallel_group
MAX_RETRIES = 100
MAX_WORKERS = 1024
MAX_FILE_SIZE = 2**40  # execution.max_file_size: 1 TiB


def as_file_size(value: Any) -> int:
    size = parse_size(value)
    return size if size is not None and size <= MAX_FILE_SIZE else DEFAULT_MAX_FILE_SIZE


def as_number(value: Any, most: float = MAX_SECONDS) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= most:
        return None
    return float(value)


def as_integer(value: Any, least: int, most: int) -> int | None:
    """An integer in ``[least, most]`` (``2.0`` is one, as in JSON Schema), else None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        return None
    return value


def as_count(value: Any) -> int | None:
    return as_integer(value, 0, MAX_RETRIES)


#: The values ``execution.reuse`` takes besides ``false``.
REUSE_MODES = ("clean", "keep-ignored")


def as_reuse(raw: Any) -> str | None:
    """``execution.reuse``: a mode, or None for ``false``; anything else is the default."""
    if raw is False:
        return None
    return raw if raw in REUSE_MODES else "clean"


#: The most worker processes ``local:N`` starts.
MAX_LOCAL_WORKERS = 999
#: A cluster as ``execution.cluster``, ``--cluster`` and the editor's setting take it (the
#: schema's pattern is this one, tests/core/test_cluster_values.py): ``local:N`` in ASCII
#: digits without a leading zero, or a Dask scheduler address.
CLUSTER_PATTERN = re.compile(r"local:[1-9][0-9]{0,2}|(tcp|tls|inproc|ucx|ws|wss)://.+")


def as_cluster(raw: Any) -> str | None:
    """``execution.cluster``: an address or ``local:N`` as the schema allows, else None."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    value = raw.strip()
    return value if CLUSTER_PATTERN.fullmatch(value) else None


def cluster_problem(value: str) -> str | None:
    """Why ``value`` is no cluster (one message for the CLI, the editor and the API), or
    None."""
    if CLUSTER_PATTERN.fullmatch(value):
        return None
    return (
        "a cluster is a Dask scheduler's address (tcp://host:8786, tls://…) or local:N "
        f"(N from 1 to {MAX_LOCAL_WORKERS} worker processes on this machine), not {value!r}"
    )


def local_size(value: str) -> int | None:
    """N of a valid ``local:N``, else None (an address)."""
    if value.startswith("local:") and CLUSTER_PATTERN.fullmatch(value):
        return int(value[6:])
    return None


def as_resources(raw: Any) -> tuple[tuple[str, float], ...]:
    """``resources``: name to a non-negative number (others are WS002's)."""
    if not isinstance(raw, dict):
        return ()
    return tuple(
        (name, float(value))
        for name, value in raw.items()
        if isinstance(name, str)
        and name
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value < float("inf")
    )


def as_breaker(raw: Any) -> int | None:
    """``{"failures": N}``: N, or None."""
    return as_integer(raw.get("failures"), 1, MAX_BREAKER) if isinstance(raw, dict) else None
