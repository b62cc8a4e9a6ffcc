"""Fixtures for the command line as a person sees it: the executor tests' scratch repository
(real git, checked untouched at teardown)."""

from __future__ import annotations

from tests.executor.conftest import repo

__all__ = ["repo"]
