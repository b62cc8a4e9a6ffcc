"""Finding workstream files: ``*.workstream.json``, ``workstream.json``, ``workstreams/*.json``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

#: Folders never searched: version control, dependencies, virtual environments, caches.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "site-packages",
        "dist",
        "build",
    }
)


def is_workstream_file(path: Path) -> bool:
    """True for a name the tool treats as a workstream file."""
    name = path.name
    return (
        name.endswith(".workstream.json")
        or name == "workstream.json"
        or (name.endswith(".json") and path.parent.name == "workstreams")
    )


def _is_virtualenv(folder: str, names: list[str]) -> bool:
    return "pyvenv.cfg" in names


def find_workstream_files(root: Path) -> Iterator[Path]:
    """Workstream files below ``root``, in a stable (sorted) order."""
    for folder, dirs, files in os.walk(root):
        if _is_virtualenv(folder, files):
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(folder, name)
            if is_workstream_file(path):
                yield path
