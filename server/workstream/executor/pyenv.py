"""Python projects: a step's tests import the step's code, and nothing changes the user's venv.

A user who runs Workstream from a virtualenv where the project is installed in editable mode
(``pip install -e .``) has that venv's ``.pth`` file or ``__editable___*_finder`` pointing at
the *user's checkout*. A step's ``python -c 'import app'`` or ``pytest`` would import that
checkout instead of the step's worktree. So:

- :func:`import_roots` finds the worktree's import roots (``src/`` in a src layout, or what
  ``pyproject.toml`` says, then the worktree itself) and :func:`step_env` puts them first in
  ``PYTHONPATH``. ``PYTHONPATH`` entries come before ``site-packages`` and every path a
  ``.pth`` file adds, and the editable finder is appended to ``sys.meta_path`` after the path
  finder, so the worktree's modules win either way;
- :func:`worktree_venv_env`: a step whose ``setup`` made ``<worktree>/.venv`` (the recipe in
  ``docs/python.md``) runs its tool and tests in that environment (``PATH``, ``VIRTUAL_ENV``);
- under the sandbox the user's environment is read-only, so a ``pip install`` into it fails;
  :func:`read_only_env_hint` recognises that failure and says what to do instead. Without the
  sandbox the tripwire fingerprints the active venv (:func:`venv_fingerprint`).

Pure: no git, no process, no language-server imports.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: The folder of the per-worktree environment (never part of a step's result).
VENV_DIR = ".venv"

#: The recipe's ``setup``, as the hint and the docs give it.
RECIPE = "uv venv -q .venv && uv pip install -q -p .venv -e ."

_WRITE_REFUSED = re.compile(r"Read-only file system|Permission denied|os error (?:30|13)\b")
_PIP_OSERROR = "Could not install packages due to an OSError"


def _pyproject(worktree: Path) -> dict[str, Any]:
    try:
        with (worktree / "pyproject.toml").open("rb") as file:
            return tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _table(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _configured_dirs(config: dict[str, Any]) -> list[str]:
    """Source folders named by the build backends' package-dir settings (relative)."""
    out: list[str] = []
    setuptools = _table(config, "tool", "setuptools")
    package_dir = _table(setuptools, "package-dir")
    if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
        out.append(package_dir[""])
    where = _table(setuptools, "packages", "find", "where")
    if isinstance(where, list):
        out += [w for w in where if isinstance(w, str)]
    wheel = _table(config, "tool", "hatch", "build", "targets", "wheel")
    packages = _table(wheel, "packages")
    if isinstance(packages, list):  # ["src/app"]: the folder that holds each package
        out += [str(Path(p).parent) for p in packages if isinstance(p, str)]
    sources = _table(wheel, "sources")
    if isinstance(sources, list):
        out += [s for s in sources if isinstance(s, str)]
    elif isinstance(sources, dict):
        out += [k for k, v in sources.items() if isinstance(k, str) and v in ("", "/")]
    poetry = _table(config, "tool", "poetry", "packages")
    if isinstance(poetry, list):
        out += [p["from"] for p in poetry if isinstance(p, dict) and isinstance(p.get("from"), str)]
    pdm = _table(config, "tool", "pdm", "build", "package-dir")
    if isinstance(pdm, str):
        out.append(pdm)
    return out


def _src_layout(worktree: Path) -> bool:
    src = worktree / "src"
    try:
        return src.is_dir() and any(
            (entry.is_dir() and (entry / "__init__.py").is_file())
            or (entry.suffix == ".py" and entry.is_file())
            for entry in src.iterdir()
        )
    except OSError:
        return False


def import_roots(worktree: Path) -> list[Path]:
    """The worktree's Python import roots, most specific first; always ends with the worktree.

    The folders ``pyproject.toml`` names (setuptools ``package-dir``/``packages.find.where``,
    hatch ``packages``/``sources``, poetry ``from``, pdm ``package-dir``), else ``src/`` when
    it holds a package or a module. Folders outside the worktree or missing are left out.
    """
    root = Path(os.path.abspath(worktree))
    found: list[Path] = []
    for name in _configured_dirs(_pyproject(root)):
        path = Path(os.path.normpath(root / name))
        if path != root and path.is_relative_to(root) and path.is_dir() and path not in found:
            found.append(path)
    if not found and _src_layout(root):
        found.append(root / "src")
    return [*found, root]


def step_env(worktree: Path, env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the worktree's import roots first in ``PYTHONPATH`` (existing ones after)."""
    roots = [str(p) for p in import_roots(worktree)]
    existing = [e for e in env.get("PYTHONPATH", "").split(os.pathsep) if e and e not in roots]
    return {**env, "PYTHONPATH": os.pathsep.join([*roots, *existing])}


def worktree_venv(worktree: Path) -> Path | None:
    """``<worktree>/.venv`` when it holds a Python (the recipe ran), else None."""
    venv = worktree / VENV_DIR
    return venv if (venv / "bin" / "python").exists() else None


def worktree_venv_env(worktree: Path, env: Mapping[str, str]) -> dict[str, str]:
    """``env`` inside the worktree's own venv, if there is one (else unchanged).

    Its ``bin`` first on ``PATH`` (any other venv's ``bin`` that ``VIRTUAL_ENV`` named is left
    where it was, behind it), ``VIRTUAL_ENV`` pointing at it, ``PYTHONHOME`` unset.
    """
    venv = worktree_venv(worktree)
    out = dict(env)
    if venv is None:
        return out
    bin_dir = str(venv / "bin")
    rest = [e for e in env.get("PATH", os.defpath).split(os.pathsep) if e and e != bin_dir]
    out["PATH"] = os.pathsep.join([bin_dir, *rest])
    out["VIRTUAL_ENV"] = str(venv)
    out.pop("PYTHONHOME", None)
    return out


def _protected(env: Mapping[str, str]) -> list[str]:
    """Folders of the user's Python environment: the active venv, the interpreters' prefixes."""
    out = [env.get("VIRTUAL_ENV", ""), env.get("CONDA_PREFIX", "")]
    return [os.path.normpath(p) for p in out if p and os.path.isabs(p)]


def _user_env_path(line: str, protected: Iterable[str]) -> str | None:
    """The folder of the user's environment a refused write in ``line`` was aimed at."""
    for prefix in protected:
        if prefix in line:
            return prefix
    match = re.search(r"(/[^\s'\"]*/(?:site-packages|dist-packages)\b)", line)
    return match.group(1) if match else None


def read_only_env_hint(
    lines: Iterable[str], returncode: int | None, env: Mapping[str, str]
) -> str | None:
    """A one-line hint when a failed command was refused a write into the user's Python
    environment (the sandbox mounts it read-only), else None.

    Recognised: "Read-only file system" / "Permission denied" (and uv's ``os error 30/13``)
    naming a path under ``VIRTUAL_ENV``, ``CONDA_PREFIX`` or a ``site-packages`` folder, and
    pip's "Could not install packages due to an OSError".
    """
    if returncode == 0:
        return None
    protected = _protected(env)
    where: str | None = None
    for line in lines:
        if _PIP_OSERROR in line:
            where = where or env.get("VIRTUAL_ENV") or "your Python environment"
        elif _WRITE_REFUSED.search(line):
            where = where or _user_env_path(line, protected)
    if where is None:
        return None
    return (
        f"hint: {where} is read-only to steps; make a Python environment inside the worktree "
        f'instead: "setup": "{RECIPE}" with "writable": ["~/.cache/uv"] (docs/python.md)'
    )


# -- the tripwire's view of the user's venv ------------------------------------------------


def _site_packages(venv: Path) -> list[Path]:
    out: list[Path] = []
    for lib in ("lib", "lib64"):
        try:
            out += sorted(p / "site-packages" for p in (venv / lib).glob("python*"))
        except OSError:
            continue
    seen: set[str] = set()
    unique = []
    for path in out:
        real = os.path.realpath(path)
        if real not in seen and os.path.isdir(real):
            seen.add(real)
            unique.append(path)
    return unique


def _small_hash(path: Path) -> str:
    try:
        return hashlib.blake2b(path.read_bytes()[: 1 << 20], digest_size=8).hexdigest()
    except OSError:
        return "?"


def _entry(folder: Path, entry: os.DirEntry[str]) -> str | None:
    """One top-level entry's fingerprint; None for what imports rewrite (``__pycache__``)."""
    name = entry.name
    if name == "__pycache__":
        return None
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return "?"
    if entry.is_dir(follow_symlinks=False):
        if name.endswith((".dist-info", ".egg-info")):
            direct = folder / name / "direct_url.json"
            url = _small_hash(direct) if direct.exists() else "-"
            return f"d {st.st_ino} {st.st_mtime_ns} {url}"
        return f"d {st.st_ino}"  # a package folder: replaced on reinstall; pyc writes inside
    digest = _small_hash(folder / name) if name.endswith(".pth") or "__editable__" in name else ""
    return f"f {st.st_size} {st.st_mtime_ns} {digest}".rstrip()


def venv_fingerprint(env: Mapping[str, str]) -> dict[str, str]:
    """The active venv (``VIRTUAL_ENV``) in brief: ``site-packages`` and ``bin`` entries.

    Top-level entries only: files by size and mtime (``.pth`` and ``__editable__*`` files by
    content too), package folders by inode (a reinstall replaces them; an import writing
    ``__pycache__`` inside does not count), ``*.dist-info`` by inode, mtime and their
    ``direct_url.json``; ``pyvenv.cfg``. Empty when no venv is active.
    """
    value = env.get("VIRTUAL_ENV", "")
    if not value or not os.path.isabs(value) or not os.path.isdir(value):
        return {}
    venv = Path(value)
    out: dict[str, str] = {}
    folders = [*_site_packages(venv), venv / "bin"]
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            mark = _entry(folder, entry)
            if mark is not None:
                out[str(folder / entry.name)] = mark
    cfg = venv / "pyvenv.cfg"
    out[str(cfg)] = _small_hash(cfg)
    return out


def venv_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """One sentence naming what changed in the user's venv, or [] when nothing did."""
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if not changed:
        return []
    prefix = os.path.commonpath(changed) if len(changed) > 1 else os.path.dirname(changed[0])
    names = [
        ("added " if k not in before else "removed " if k not in after else "")
        + os.path.relpath(k, prefix)
        for k in changed
    ]
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return [
        f"your virtualenv changed ({prefix}: {shown}): a step installed into it (reinstall "
        "from your checkout to repair it); give steps an environment inside their worktree "
        f'instead ("setup": "{RECIPE}", docs/python.md)'
    ]
