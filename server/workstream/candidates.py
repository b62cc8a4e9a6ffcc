"""Candidates: several tries at one step, each in its own worktree, and how one is chosen.

A step's ``candidates`` is a list of objects, each overriding any of the step's ``tool``,
``tasks``, ``run`` and ``env`` (its entries added to the step's, a name given in both taking
the candidate's value), with ``attempts`` to run that definition more than once (an AI tool
answers differently each time). ``select`` chooses among the candidates whose acceptance
tests passed: ``"first"`` (the default: the first to pass wins, the others are stopped) or
``{"score": "<command>", "better": "lower" | "higher"}`` (the command runs in each passing
candidate's worktree and prints a number; ties go to the lower-numbered candidate).

Built tolerantly like the rest of the model (:mod:`workstream.model`): a value of the wrong
type is left out, the schema reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: The most candidates one step may list, and the most attempts one candidate may ask for
#: (the schema's maxima).
MAX_CANDIDATES = 20
MAX_ATTEMPTS = 20

#: The keys of a candidate that override the step's.
OVERRIDES = ("tool", "tasks", "run", "env")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry of a step's ``candidates``: what it changes, and how many times it runs."""

    index: int  # position in the step's ``candidates`` array
    tool: str | None = None
    tasks: tuple[str, ...] | None = None
    run: str | tuple[str, ...] | None = None
    env: dict[str, str] = field(default_factory=dict)
    attempts: int = 1

    def label(self) -> str:
        """What this candidate changes, in a few words (``run: make fast``, ``as the step``)."""
        parts: list[str] = []
        if self.tool is not None:
            parts.append(f"tool {self.tool}")
        if self.run is not None:
            run = self.run if isinstance(self.run, str) else " ".join(self.run)
            parts.append(f"run: {_cut(run)}")
        if self.tasks is not None:
            parts.append(f"tasks: {_cut(' / '.join(self.tasks))}")
        if self.env:
            parts.append("env " + " ".join(f"{k}={_cut(v, 20)}" for k, v in self.env.items()))
        return ", ".join(parts) or "as the step"


@dataclass(frozen=True, slots=True)
class Select:
    """How a step with candidates chooses its result."""

    mode: Literal["first", "score"] = "first"
    score: str | None = None  # the command printing a number (mode "score")
    better: Literal["lower", "higher"] = "lower"

    def describe(self) -> str:
        """``first to pass`` or ``lowest score of `cmd```, for messages and hover."""
        if self.mode == "first":
            return "the first to pass"
        best = "lowest" if self.better == "lower" else "highest"
        return f"the {best} score of `{self.score}`"


#: What a step with candidates and no ``select`` does.
FIRST = Select()


def _cut(text: str, most: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


def build_candidates(raw: Any) -> tuple[Candidate, ...]:
    """The entries of ``candidates`` that are objects (at most :data:`MAX_CANDIDATES`)."""
    if raw.__class__ is not list:
        return ()
    out: list[Candidate] = []
    for index, item in enumerate(raw[:MAX_CANDIDATES]):
        if item.__class__ is not dict:
            continue
        tool, tasks, run, env = (
            item.get("tool"),
            item.get("tasks"),
            item.get("run"),
            item.get("env"),
        )
        attempts = item.get("attempts", 1)
        if isinstance(attempts, float) and attempts.is_integer():
            attempts = int(attempts)
        if isinstance(attempts, bool) or not isinstance(attempts, int):
            attempts = 1
        out.append(
            Candidate(
                index=index,
                tool=tool if isinstance(tool, str) and tool else None,
                tasks=_strings(tasks),
                run=run if isinstance(run, str) and run else (_strings(run) or None),
                env={k: v for k, v in env.items() if isinstance(v, str)}
                if isinstance(env, dict)
                else {},
                attempts=min(max(attempts, 1), MAX_ATTEMPTS),
            )
        )
    return tuple(out)


def _strings(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(item for item in value if isinstance(item, str))


def build_select(raw: Any) -> Select | None:
    """``select``: ``"first"``, a score object, or None (absent or unreadable)."""
    if raw == "first":
        return FIRST
    if isinstance(raw, dict):
        score, better = raw.get("score"), raw.get("better", "lower")
        if isinstance(score, str) and score.strip():
            return Select("score", score, "higher" if better == "higher" else "lower")
    return None


def unit_count(candidates: tuple[Candidate, ...]) -> int:
    """How many worktrees a step's candidates run (each candidate times its attempts)."""
    return sum(c.attempts for c in candidates)
