"""Workstream: plan a code change as a DAG of steps, check it, run it in git worktrees."""

__version__ = "0.1.0"
