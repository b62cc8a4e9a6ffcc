"""Workstream: plan a multi-step code change as a DAG of steps, check it, run it in git worktrees."""

__version__ = "0.1.0"
