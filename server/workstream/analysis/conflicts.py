"""WS201: file conflicts between steps that may run at the same time, without pairing entries.

Two steps conflict when neither depends on the other, even transitively, and some entry of one
may cover a file that some entry of the other covers (:func:`workstream.scopes.may_overlap`).
The search works on *distinct patterns* and on *bitsets of steps*, never on pairs of entries:

1. Entries are grouped by their normalized pattern; each group has the bitset of the steps that
   hold it (an entry repeated in one step counts once, at its first place). A pattern in 5,000
   steps is one group, not 12.5 million pairs.
2. A pattern whose first segment is ``**`` (or the whole repository) may overlap any entry: such
   *universal* patterns are never paired either, their steps' bitset is added to every group.
3. The other distinct patterns are paired by :func:`pattern_pairs`: keys (a plain path, or a
   glob's literal directory) sorted once, and for each key two ranges found by binary search.
4. Each entry's conflicts are then its group's overlap bitset minus its own step and the steps
   related to it (ancestors and descendants, as bitsets from the graph): a few big-integer
   operations per entry.

For E entries, D distinct patterns, S steps, Q overlapping pairs of distinct patterns and G
patterns below a glob's literal directory that it turns out not to match, the cost is
O(E + D log D + (E + Q)·S/64 + G): 100 steps of 100 ``**/x{i}`` globs, or one entry in
5,000 steps, take a fraction of a second. A finding names at most three other steps (and how
many more); its quick-fix data lists at most :data:`FIXES` of them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from workstream.analysis.context import Context
from workstream.findings import Finding, Related, finding
from workstream.model import Step
from workstream.scopes import is_glob, literal_dir, may_overlap, normalize

#: Names shown in one WS201 message before "and N more".
SHOWN = 3
#: The other steps a finding's data offers a dependency on (its quick fixes).
FIXES = 10

#: One scope entry: (graph node of its step, position in the step's ``files``, its text).
Entry = tuple[int, int, str]
#: Where each normalized pattern first appears in each step: (node, pattern) -> (position, text).
Places = dict[tuple[int, str], tuple[int, str]]


@dataclass
class _Group:
    pattern: str  # normalized
    entries: list[Entry] = field(default_factory=list)  # one per step, in step order
    mask: int = 0  # the steps that hold it


def is_universal(pattern: str) -> bool:
    """True for a normalized pattern that may overlap any entry (``**/…``, or the root)."""
    return not pattern or pattern == "**" or pattern.startswith("**/")


def overlap_masks(scopes: Sequence[Sequence[str | None] | None]) -> Iterator[tuple[Entry, int]]:
    """Each entry with the bitset of the *other* steps holding an entry that may overlap it.

    ``scopes[n]`` is the file scope of step ``n`` (None: no scope; a None entry is skipped).
    Entries with no such step are left out; a pattern repeated in one step (the same once
    normalized) is given once, at its first place.
    """
    patterns = [p for files in scopes if files for p in files if p is not None]
    joined = "\n".join(patterns)
    if all_plain_and_normal(joined):
        paths = set(patterns)
        if len(paths) == len(patterns) and not _has_directory_entry(joined, paths):
            return  # all plain, all different, none a directory of another: nothing overlaps
    groups: dict[str, _Group] = {}
    for node, files in enumerate(scopes):
        seen: set[str] = set()
        for position, raw in enumerate(files or ()):
            if raw is None:
                continue
            pattern = normalize(raw)
            if pattern in seen:
                continue
            seen.add(pattern)
            group = groups.get(pattern)
            if group is None:
                group = groups[pattern] = _Group(pattern)
            group.entries.append((node, position, raw))
            group.mask |= 1 << node
    everyone = universal = 0
    for group in groups.values():
        everyone |= group.mask
        if is_universal(group.pattern):
            universal |= group.mask
    others = [group for group in groups.values() if not is_universal(group.pattern)]
    extra = [0] * len(others)
    for i, j in pattern_pairs([group.pattern for group in others]):
        extra[i] |= others[j].mask
        extra[j] |= others[i].mask
    reach = {
        id(group): group.mask | universal | more for group, more in zip(others, extra, strict=True)
    }
    for group in groups.values():
        over = reach.get(id(group), everyone)
        for entry in group.entries:
            mask = over & ~(1 << entry[0])
            if mask:
                yield entry, mask


def pattern_pairs(patterns: Sequence[str]) -> Iterator[tuple[int, int]]:
    """The pairs ``(i, j)`` of distinct normalized patterns that may overlap, each once.

    Every pattern gets a key: a plain path is its own key, a glob's key is its literal
    directory. Two patterns can only overlap when one key equals the other or is a directory
    above it, so after sorting the keys each pattern looks at two ranges found by binary
    search: the equal keys after it, and the keys below it (``key/...``, which sort between
    ``key/`` and ``key0``). Two plain paths there overlap for sure; a pair with a glob is
    confirmed with :func:`may_overlap`.
    """
    keyed = sorted(
        (literal_dir(pattern) if is_glob(pattern) else pattern, i, is_glob(pattern))
        for i, pattern in enumerate(patterns)
    )
    keys = [key for key, _, _ in keyed]
    for a, (key, i, glob) in enumerate(keyed):
        same_end = bisect_right(keys, key, a + 1)
        if key:
            below = (bisect_left(keys, key + "/", same_end), bisect_left(keys, key + "0"))
        else:
            below = (same_end, len(keys))  # the root: everything is below it
        for start, stop in ((a + 1, same_end), below):
            for b in range(start, stop):
                _, j, other_glob = keyed[b]
                if (glob or other_glob) and not may_overlap(patterns[i], patterns[j]):
                    continue
                yield i, j


def check(ctx: Context, scopes: Sequence[Sequence[str | None] | None]) -> list[Finding]:
    """WS201 for every entry that may overlap an entry of a step that may run beside it.

    ``scopes`` is by graph node (None for an entry that leaves the repository: WS202's). Sets
    ``ctx.scopes_need_graph`` when some entries overlap (then the graph decides).
    """
    graph = ctx.graph
    steps = graph.steps
    findings = []
    places: Places | None = None
    for entry, mask in overlap_masks(scopes):
        ctx.scopes_need_graph = True
        node = entry[0]
        clash = mask & ~(graph.ancestors[node] | graph.descendants[node])
        if clash:
            if places is None:
                places = _places(scopes)
            findings.append(_finding(ctx, steps, scopes, places, entry, clash))
    findings.sort(key=lambda f: (f.span.start, f.span.end))
    return findings


def _places(scopes: Sequence[Sequence[str | None] | None]) -> Places:
    """Where each normalized pattern first appears in each step: its position and text."""
    places: Places = {}
    for node, files in enumerate(scopes):
        for position, raw in enumerate(files or ()):
            if raw is not None:
                places.setdefault((node, normalize(raw)), (position, raw))
    return places


def _first_bits(mask: int, count: int) -> list[int]:
    out: list[int] = []
    while mask and len(out) < count:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _finding(
    ctx: Context,
    steps: list[Step],
    scopes: Sequence[Sequence[str | None] | None],
    places: Places,
    entry: Entry,
    clash: int,
) -> Finding:
    node, position, pattern = entry
    step = steps[node]
    offered = _first_bits(clash, FIXES)
    shown = offered[:SHOWN]
    related: list[Related] = []
    first = pattern
    for other in shown:
        found = places.get((other, normalize(pattern))) or _overlapping_entry(
            scopes[other] or (), pattern
        )
        if found is None:
            continue
        if not related:
            first = found[1]
        related.append(
            Related(
                ctx.file_span(steps[other], found[0]),
                f"step '{steps[other].id}' may also change '{found[1]}'",
            )
        )
    names = ", ".join(f"'{steps[other].id}'" for other in shown)
    more = clash.bit_count() - len(shown)
    if more > 0:
        names += f" and {more} more"
    overlap = f"'{pattern}'" if pattern == first else f"'{pattern}' and '{first}'"
    message = (
        f"File conflict: step '{step.id}' may run at the same time as {names}, and their "
        f"file scopes overlap ({overlap}). Make one depend on the other, or narrow the scopes."
    )
    return finding(
        "WS201",
        message,
        ctx.file_span(step, position),
        tuple(related),
        step=step.id,
        conflicts=[steps[other].id for other in offered],
    )


def _overlapping_entry(files: Sequence[str | None], pattern: str) -> tuple[int, str] | None:
    """The first entry of a scope that may overlap ``pattern``: its position and text."""
    for position, raw in enumerate(files):
        if raw is not None and may_overlap(pattern, raw):
            return position, raw
    return None


def all_plain_and_normal(joined: str) -> bool:
    """True when no newline-separated entry has a wildcard or anything :func:`normalize` fixes.

    A handful of substring scans at C speed instead of a per-entry loop.
    """
    if any(char in joined for char in "*?[\\"):
        return False
    lines = f"\n{joined}\n"
    return not any(
        bad in lines for bad in ("\n\n", "//", "\n/", "/\n", "/./", "\n./", "/.\n", "\n.\n")
    )


_PARENT = re.compile(r"^(.+)/[^/\n]*$", re.MULTILINE)


def _has_directory_entry(joined: str, entries: set[str]) -> bool:
    """True when one of the newline-separated plain paths is a directory of another.

    Works on whole sets at C speed: collect every parent directory level by level (the levels
    shrink fast), then intersect with the entries (the set of the paths).
    """
    level = set(_PARENT.findall(joined))
    while level:
        if not entries.isdisjoint(level):
            return True
        level = set(_PARENT.findall("\n".join(level)))
    return False
