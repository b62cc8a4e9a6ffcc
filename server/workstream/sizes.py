"""Sizes people write (``"1.5GB"``, ``"512 MiB"``) as bytes, and bytes as people read them."""

from __future__ import annotations

import math
import re

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*", re.IGNORECASE)


def parse_size(value: object) -> int | None:
    """Bytes from ``"1.5GB"``, ``"512 MiB"`` or a whole number of bytes; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if not isinstance(value, str):
        return None
    match = SIZE.fullmatch(value)
    if match is None:
        return None
    scaled = float(match[1]) * _UNITS[(match[2] or "").lower()]
    if not math.isfinite(scaled):  # thousands of digits: no size, not an OverflowError
        return None
    size = int(scaled)
    return size if size > 0 else None


def shown_size(size: float) -> str:
    """``1.5 GB``, ``820 MB``, ``2.0 TB``."""
    if size >= 10**12:
        return f"{size / 10**12:.1f} TB"
    if size >= 10**9:
        return f"{size / 10**9:.1f} GB"
    return f"{size / 10**6:.0f} MB"
