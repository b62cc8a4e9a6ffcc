"""A run's baselines on disk, so a killed runner's last step is still compared.

The agent settings guard (:class:`~workstream.executor.guard.SettingsGuard`) and, without the
sandbox, the tripwire (:func:`~workstream.executor.tripwire.snapshot`) compare the user's
files after each step with their state at the run's start. A step that kills its runner
(``kill -9 $PPID``) ends the run before that comparison; so the run writes both baselines to
``<state folder>/baselines/<run-id>/`` when it starts (the tripwire's again whenever it
accepts a reported change), and removes them when it ends.

:func:`check_dead_run` is what recovery does with them (the next ``run``, ``run --resume``,
``status`` or ``clean`` that finds the dead run, after its processes are stopped and its work
saved): first the objects the user's repository names are copied out of the dead run's
scratch object folders (:mod:`strays`: a step's ``git -C <repo> commit``), then the guarded
settings are compared and put back as :meth:`SettingsGuard.check` does, then the repository
is compared with the tripwire's baseline; each finding is a sentence.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
from dataclasses import asdict, fields
from pathlib import Path

from workstream.executor.gitops import Git, GitError
from workstream.executor.guard import Entry, SettingsGuard
from workstream.executor.state import RunState, StateDir
from workstream.executor.strays import keep_needed
from workstream.executor.target import Target
from workstream.executor.tripwire import RepoSnapshot, compare, snapshot

#: The environment a snapshot depends on (its global config files, its virtualenv).
SNAPSHOT_ENV = ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "VIRTUAL_ENV")

GUARD_FILE = "guard.json"
TRIPWIRE_FILE = "tripwire.json"


def folder(state_dir: StateDir, run_id: str) -> Path:
    """Where one run's baselines are kept."""
    return state_dir.root / "baselines" / run_id


def save_guard(file: Path, guard: SettingsGuard) -> None:
    """Write the guard's baseline (its entries; kept content in base64) to ``file``."""
    entries = {
        str(p): {
            "kind": e.kind,
            "mode": e.mode,
            "digest": e.digest,
            "data": None if e.data is None else base64.b64encode(e.data).decode(),
        }
        for p, e in guard.before.items()
    }
    _write(file, {"home": str(guard.home), "entries": entries})


def _load_guard(file: Path, evidence: Path) -> SettingsGuard:
    """A dead run's guard, its baseline read from ``file`` (not taken now)."""
    raw = json.loads(file.read_text(encoding="utf-8"))
    guard = SettingsGuard.__new__(SettingsGuard)
    guard.home, guard.evidence = Path(raw["home"]), evidence
    guard.before = {
        Path(p): Entry(
            str(e["kind"]),
            int(e["mode"]),
            str(e["digest"]),
            None if e["data"] is None else base64.b64decode(e["data"]),
        )
        for p, e in raw["entries"].items()
    }
    return guard


def save_tripwire(where: Path, snap: RepoSnapshot, env: dict[str, str]) -> None:
    """Write the tripwire's baseline and the environment it was taken in."""
    data = {"snapshot": asdict(snap), "env": {k: env[k] for k in SNAPSHOT_ENV if k in env}}
    _write(where / TRIPWIRE_FILE, data)


def _write(file: Path, data: object) -> None:
    """Write ``data`` as JSON to ``file`` atomically (a killed runner leaves no half file)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, file)


def _load_tripwire(file: Path) -> tuple[RepoSnapshot, dict[str, str]]:
    raw = json.loads(file.read_text(encoding="utf-8"))
    values = raw["snapshot"]
    kept = {}
    for f in fields(RepoSnapshot):
        value = values.get(f.name)
        if f.name == "config_text" and isinstance(value, dict):
            value = {k: tuple(v) for k, v in value.items()}
        if value is not None:
            kept[f.name] = value
    return RepoSnapshot(**kept), {str(k): str(v) for k, v in raw.get("env", {}).items()}


def discard(where: Path) -> None:
    """The run ended (or was recovered): its baselines go."""
    shutil.rmtree(where, ignore_errors=True)
    with contextlib.suppress(OSError):
        where.parent.rmdir()


def check_dead_run(state: RunState, target: Target, repo: Git) -> list[str]:
    """What a killed run's steps changed that its runner never compared (see the module),
    also added to the run's message."""
    found = _check(target.state_dir, state.run_id, repo, target.repo_root, target.model.id)
    if found:
        state.message = f"{state.message}; after it stopped: {'; '.join(found)}"
    return found


def _check(state_dir: StateDir, run_id: str, repo: Git, repo_root: Path, ws_id: str) -> list[str]:
    found: list[str] = []
    scratch = state_dir.root / "scratch" / run_id
    for objects in sorted(scratch.glob("*/objects")) if scratch.is_dir() else ():
        try:
            copied = keep_needed(repo, objects)
        except (GitError, OSError) as error:
            found.append(f"{objects} is kept: your repository may need its objects ({error})")
            continue
        if copied:
            found.append(
                f"your repository names objects a step's git wrote in {objects.parent}: "
                f"{copied} copied into {repo.git_dir / 'objects'}"
            )
    where = folder(state_dir, run_id)
    guard_file, tripwire_file = where / GUARD_FILE, where / TRIPWIRE_FILE
    if guard_file.is_file():
        try:
            guard = _load_guard(guard_file, state_dir.logs / run_id / "guarded")
        except (OSError, ValueError, KeyError, TypeError) as error:
            found.append(f"the agent settings' baseline could not be read ({error})")
        else:
            found += guard.check("after-the-runner-died")
    if tripwire_file.is_file():
        try:
            before, env = _load_tripwire(tripwire_file)
        except (OSError, ValueError, KeyError, TypeError) as error:
            found.append(f"the tripwire's baseline could not be read ({error})")
        else:
            now = snapshot(
                repo_root,
                repo.git_dir,
                ignore_ref_prefix=f"refs/heads/workstream/{ws_id}/",
                env={**os.environ, **env},
            )
            changes = compare(before, now)
            if changes:
                found.append("your repository, without a sandbox: " + "; ".join(changes))
    discard(where)
    return found
