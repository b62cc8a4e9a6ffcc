"""The tripwire's view of what git reads beyond the fixed files: includes and the object store.

- :func:`included_configs`: every config file git would read for the repository through
  ``[include]`` and ``[includeIf]`` (``~/.gitconfig`` including ``~/.gitconfig.local``, a
  ``.git/config`` including a file of the tree): the files ``git config --list --show-origin
  --includes`` names, and each ``include*.path`` value resolved as git does (``~/``, relative
  to the including file), present or not, so a step that creates an included file is seen too.
  Conditions are not evaluated: a file included only on another branch is watched as well.
- :func:`object_store`: the names of the loose objects and of the packs in ``objects/``
  (a listing, no reading); :func:`missing_tips`: the refs (and HEAD) whose object is absent.
  Objects only ever grow while a run goes (the executor commits its steps' results there), so
  :func:`object_changes` reports what went: loose objects removed while no new pack appeared
  (``git gc`` packs them), packs removed, and refs that point at missing objects.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from workstream.executor.gitops import Git

#: Object names shown in a message, at most.
SHOWN = 3


def included_configs(git: Git, env: Mapping[str, str]) -> list[Path]:
    """The config files git reads for this repository and every file an include names."""
    code, out, _ = git.call("config", "--list", "--show-origin", "--includes", "-z")
    if code != 0:
        return []
    fields = out.split("\0")
    home = env.get("HOME", "")
    paths: list[Path] = []
    for origin, entry in zip(fields[::2], fields[1::2], strict=False):
        if not origin.startswith("file:"):
            continue  # "command line:" (the executor's own -c), blobs, stdin
        source = Path(origin[len("file:") :])
        if not source.is_absolute():  # relative to where git ran
            source = (git.work_tree or git.git_dir) / source
        paths.append(source)
        key, _, value = entry.partition("\n")
        low = key.lower()
        if not (low == "include.path" or (low.startswith("includeif.") and low.endswith(".path"))):
            continue
        if value.startswith("~/") and home:
            target = Path(home) / value[2:]
        elif value.startswith("~"):
            target = Path(os.path.expanduser(value))
        else:
            target = source.parent / value
        paths.append(target)
    return list(dict.fromkeys(Path(os.path.abspath(p)) for p in paths))


def object_store(git_dir: Path) -> dict[str, str]:
    """``<2 hex>/<38 hex>`` for each loose object and ``pack/<name>`` for each pack (its
    ``.idx``): names only, one ``scandir`` per fan-out folder."""
    out: dict[str, str] = {}
    objects = git_dir / "objects"
    try:
        with os.scandir(objects) as it:
            folders = [e.name for e in it if len(e.name) == 2 and e.is_dir(follow_symlinks=False)]
    except OSError:
        return out
    for folder in folders:
        try:
            with os.scandir(objects / folder) as it:
                for entry in it:
                    if not entry.name.startswith("tmp_"):
                        out[f"{folder}/{entry.name}"] = ""
        except OSError:
            continue
    try:
        with os.scandir(objects / "pack") as it:
            for entry in it:
                if entry.name.endswith(".idx"):
                    out[f"pack/{entry.name[:-4]}"] = ""
    except OSError:
        pass
    return out


def missing_tips(git: Git, tips: Mapping[str, str]) -> dict[str, str]:
    """The refs among ``tips`` (name -> object) whose object the repository lacks."""
    wanted = [sha for sha in dict.fromkeys(tips.values()) if sha]
    if not wanted:
        return {}
    code, out, _ = git.call(
        "cat-file", "--batch-check=%(objectname)", stdin=("\n".join(wanted) + "\n").encode()
    )
    if code != 0:
        return {}
    gone = {line.split()[0] for line in out.splitlines() if line.endswith(" missing")}
    return {name: sha for name, sha in tips.items() if sha in gone}


def object_changes(
    before: Mapping[str, str], after: Mapping[str, str], missing: Mapping[str, str]
) -> list[str]:
    """Sentences for objects and packs removed from ``.git/objects`` and refs left dangling."""
    out: list[str] = []
    new_pack = any(n.startswith("pack/") for n in after if n not in before)
    loose = sorted(n for n in before if n not in after and not n.startswith("pack/"))
    if loose and not new_pack:
        shown = ", ".join(n.replace("/", "") for n in loose[:SHOWN])
        more = f" and {len(loose) - SHOWN} more" if len(loose) > SHOWN else ""
        plural = "s" if len(loose) != 1 else ""
        out.append(f".git/objects: {len(loose)} object{plural} deleted ({shown}{more})")
    packs = sorted(n for n in before if n.startswith("pack/") and n not in after)
    if packs and not new_pack:
        out.append(f".git/objects: {', '.join(packs)} deleted")
    for name, sha in sorted(missing.items()):
        out.append(f"{name} points at {sha[:12]}, which is missing from the object store")
    return out


def tips_of(refs: Mapping[str, str], head_commit: str) -> dict[str, str]:
    """The objects a snapshot's refs and HEAD name."""
    return {**refs, **({"HEAD": head_commit} if head_commit else {})}


def names(store: Iterable[str]) -> set[str]:
    """The full object names of a store listing's loose objects."""
    return {n.replace("/", "") for n in store if not n.startswith("pack/")}
