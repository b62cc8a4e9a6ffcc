"""A real Python project: the user's venv active, the project installed in it with ``pip
install -e .`` (src layout: a path in a ``.pth``; flat layout: setuptools' editable finder).

``python -m workstream run`` runs as a subprocess with that venv's ``bin`` first on ``PATH``
and ``VIRTUAL_ENV`` set, as a user would, with and without the sandbox. A step's tests must
import the step's code, never the user's checkout, and the user's venv must be exactly as
before (its ``site-packages`` listing and every ``.pth`` / finder file).

Nothing here reaches the internet but the session fixture, once: it downloads the wheels the
projects need (setuptools, pytest) into ``${WORKSTREAM_TEST_CACHE:-~/.cache/workstream-tests}/
python/wheels`` when they are not there yet. Every install after that is ``--no-index`` from
that folder (pip: ``PIP_NO_INDEX``; uv: ``UV_NO_INDEX`` + ``UV_FIND_LINKS``, its own cache in
the session's temporary folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "python-project"
CACHE = Path(os.environ.get("WORKSTREAM_TEST_CACHE", "~/.cache/workstream-tests")).expanduser()
WHEELS = CACHE / "python" / "wheels"
NEEDED = ("setuptools", "pytest")
PIP_RECIPE = "python -m venv .venv && .venv/bin/pip install -q -e '.[test]'"
# What a user's shell would not have, or what would point the run at another environment.
_DROP = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX")


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    out: subprocess.CompletedProcess[str] = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=True,
        **kwargs,  # type: ignore[call-overload]
    )
    return out


@dataclass
class Tools:
    """What every run here gets: the wheelhouse, uv's cache, a PATH folder holding uv."""

    wheels: Path
    uv_cache: Path
    bin: Path

    def env(self, venv: Path) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in _DROP and not k.startswith(("PIP_", "UV_"))
        }
        env.update(
            PATH=os.pathsep.join(
                [str(venv / "bin"), str(self.bin), "/usr/local/bin", "/usr/bin", "/bin"]
            ),
            VIRTUAL_ENV=str(venv),
            PIP_NO_INDEX="1",
            PIP_FIND_LINKS=str(self.wheels),
            PIP_NO_CACHE_DIR="1",
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            UV_NO_INDEX="1",
            UV_FIND_LINKS=str(self.wheels),
            UV_CACHE_DIR=str(self.uv_cache),
            UV_PYTHON_DOWNLOADS="never",
        )
        return env


@pytest.fixture(scope="session")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Tools:
    WHEELS.mkdir(parents=True, exist_ok=True)
    missing = [n for n in NEEDED if not any(WHEELS.glob(f"{n}-*.whl"))]
    if missing:  # the one step that may use the network: fetch the wheels once
        try:
            run([sys.executable, "-m", "pip", "download", "-q", "-d", str(WHEELS), *NEEDED])
        except subprocess.CalledProcessError as exc:
            pytest.skip(f"cannot download {missing} into {WHEELS}: {exc.stderr[-300:]}")
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        if os.environ.get("WORKSTREAM_REQUIRE_TOOLS") == "1":
            pytest.fail("WORKSTREAM_REQUIRE_TOOLS=1 but uv is missing (pip install uv)")
        pytest.skip("uv is not installed (pip install uv)")
    folder = tmp_path_factory.mktemp("uvbin")
    (folder / "uv").symlink_to(uv)
    return Tools(WHEELS, tmp_path_factory.mktemp("uv-cache"), folder)


@dataclass
class User:
    """The user's checkout and the virtualenv where it is installed in editable mode."""

    layout: str
    checkout: Path
    venv: Path
    package: str  # the package folder, relative to the checkout

    def digest(self) -> str:
        """The site-packages listing (bytecode aside) and every .pth / finder file's content."""
        h = hashlib.sha256()
        for path in sorted(self.venv.rglob("*")):
            rel = path.relative_to(self.venv)
            if "__pycache__" in rel.parts:
                continue
            h.update(str(rel).encode() + b"\0")
            if path.is_file() and (path.suffix == ".pth" or "__editable__" in path.name):
                h.update(path.read_bytes())
        return h.hexdigest()

    def imported_from(self) -> str:
        """Where the user's venv imports ``app`` from, outside any checkout folder."""
        python = str(self.venv / "bin" / "python")
        return run([python, "-c", "import app; print(app.__file__)"], cwd="/").stdout.strip()


def git(cwd: Path, *args: str) -> str:
    return run(["git", *args], cwd=cwd).stdout


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=U", "-c", "user.email=u@x", "commit", "-q", "-m", message)


PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "app"
version = "0.1.0"
"""


def make_user(base: Path, layout: str, tools: Tools) -> User:
    checkout = base / f"checkout-{layout}"
    package = "src/app" if layout == "src" else "app"
    (checkout / package).mkdir(parents=True)
    (checkout / "tests").mkdir()
    (checkout / "pyproject.toml").write_text(PYPROJECT)
    (checkout / package / "__init__.py").write_text("VALUE = 1\n")
    (checkout / "tests" / "test_value.py").write_text(
        "import app\n\n\ndef test_value():\n    assert app.VALUE == 1\n"
    )
    (checkout / ".gitignore").write_text("__pycache__/\n*.egg-info/\n.venv/\n*.workstream.json\n")
    git(checkout, "init", "-q", "-b", "main")
    commit(checkout, "a project")
    venv = base / f"venv-{layout}"
    env = tools.env(venv)
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", "-q", "pytest"], env=env)
    run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(checkout)], env=env)
    user = User(layout, checkout, venv, package)
    site = next(venv.glob("lib/python*/site-packages"))
    finders = list(site.glob("__editable___*finder.py"))
    paths = "".join(p.read_text() for p in site.glob("__editable__*.pth"))
    if layout == "flat":  # the modern finder maps the package to the checkout
        assert finders and str(checkout) in finders[0].read_text()
    else:  # a plain path in a .pth file
        assert str(checkout / "src") in paths
    assert user.imported_from() == str(checkout / package / "__init__.py")
    return user


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory, tools: Tools) -> Callable[[str], User]:
    made: dict[str, User] = {}

    def get(layout: str) -> User:
        if layout not in made:
            made[layout] = make_user(tmp_path_factory.mktemp(f"user-{layout}"), layout, tools)
        return made[layout]

    return get


def workstream(root: Path, env: dict[str, str], doc: dict[str, object], name: str) -> dict:
    """Write ``doc`` as ``name`` in ``root`` (not committed), run it, return the step states."""
    path = root / name
    path.write_text(json.dumps(doc, indent=1))
    argv = [sys.executable, "-m", "workstream"]
    proc = subprocess.run(
        [*argv, "run", str(path)], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    status = subprocess.run(
        [*argv, "status", str(path), "--format", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    steps: dict = json.loads(status)["steps"]
    return steps


@pytest.fixture(params=[True, False], ids=["sandbox", "no-sandbox"])
def sandbox(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.mark.parametrize("layout", ["src", "flat"])
def test_a_steps_tests_import_the_steps_code(
    users: Callable[[str], User], tools: Tools, layout: str, sandbox: bool
) -> None:
    user = users(layout)
    before = user.digest()
    pkg = user.package
    here = "import app, os; f = os.path.realpath(app.__file__); "
    here += "assert f.startswith(os.path.realpath(os.getcwd()) + os.sep), f"
    test_file = "tests/test_extra.py"
    test_extra = "from app.extra import X\\n\\n\\ndef test_extra():\\n    assert X == 2\\n"
    doc = {
        "id": f"imports-{layout}-{sandbox}",
        "execution": {"sandbox": sandbox, "max_workers": 2},
        "steps": [
            {
                "id": "broken",
                "run": f"echo 'this is not python' > {pkg}/__init__.py",
                "files": [f"{pkg}/__init__.py"],
                "acceptance_tests": ["python -c 'import app'"],
            },
            {
                "id": "good",
                "run": f"echo 'X = 2' > {pkg}/extra.py; printf '{test_extra}' > {test_file}",
                "files": [f"{pkg}/extra.py", test_file],
                "acceptance_tests": [
                    "python -c 'import app.extra'",
                    f'python -c "{here}"',
                    "pytest -q",
                ],
            },
        ],
    }
    steps = workstream(
        user.checkout, tools.env(user.venv), doc, f"imports-{sandbox}.workstream.json"
    )
    assert steps["broken"]["status"] == "failed"
    assert "acceptance test `python -c 'import app'` failed" in steps["broken"]["message"]
    assert steps["good"]["status"] == "succeeded", steps["good"]["message"]
    assert user.digest() == before, "the user's virtualenv changed"
    assert user.imported_from() == str(user.checkout / pkg / "__init__.py")


def test_pip_install_into_the_users_venv_fails_with_the_hint(
    users: Callable[[str], User], tools: Tools
) -> None:
    user = users("src")
    before = user.digest()
    doc = {
        "id": "pip-into-user",
        "execution": {"setup": "pip install -q -e ."},
        "steps": [{"id": "one", "run": "true", "files": []}],
    }
    steps = workstream(user.checkout, tools.env(user.venv), doc, "pip.workstream.json")
    message = steps["one"]["message"]
    assert steps["one"]["status"] == "failed" and message.startswith("setup `pip install")
    assert f"hint: {user.venv} is read-only to steps" in message
    assert "uv venv -q .venv" in message
    assert user.digest() == before
    assert user.imported_from() == str(user.checkout / "src/app/__init__.py")


def test_without_the_sandbox_the_tripwire_catches_pip_install_into_the_users_venv(
    tmp_path: Path, tools: Tools
) -> None:
    user = make_user(tmp_path, "src", tools)  # its own: the step will re-point it
    before = user.digest()
    doc = {
        "id": "pip-no-sandbox",
        "execution": {"sandbox": False, "setup": "pip install -q -e ."},
        "steps": [{"id": "one", "run": "true", "files": []}],
    }
    steps = workstream(user.checkout, tools.env(user.venv), doc, "pip.workstream.json")
    message = steps["one"]["message"]
    assert steps["one"]["status"] == "failed"
    assert "your virtualenv changed" in message and "__editable__.app-0.1.0.pth" in message
    assert "a step installed into it" in message
    assert user.digest() != before  # detected, not undone: the message says how to repair
    run(
        [str(user.venv / "bin" / "pip"), "install", "-q", "-e", str(user.checkout)],
        env=tools.env(user.venv),
    )
    assert user.imported_from() == str(user.checkout / "src/app/__init__.py")


def sample_repo(base: Path) -> Path:
    root = base / "sample"
    shutil.copytree(
        SAMPLE, root, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info")
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "the sample")
    return root


@pytest.mark.slow
def test_the_recipe_runs_the_sample_in_per_worktree_venvs(
    tmp_path: Path, users: Callable[[str], User], tools: Tools
) -> None:
    """The sample as shipped (uv), with the pip fallback, and without setup: costs per step."""
    user = users("src")
    before = user.digest()
    root = sample_repo(tmp_path)
    text = "\n".join(
        line
        for line in (root / "workstream.json").read_text().splitlines()
        if not line.strip().startswith("//")
    )
    shipped = json.loads(text)
    assert shipped["execution"]["setup"].startswith("uv venv -q .venv && uv pip install")
    in_venv = "import sys, os; v = os.path.join(os.getcwd(), '.venv'); "
    in_venv += "assert sys.prefix == os.environ['VIRTUAL_ENV'] == v, sys.prefix"
    variants = {"uv": shipped["execution"]["setup"], "pip": PIP_RECIPE, "none": None}
    costs: dict[str, float] = {}
    env = tools.env(user.venv)
    for name, setup in variants.items():
        doc = json.loads(text)
        doc["id"] = f"sample-{name}"
        doc["execution"]["writable"] = [*doc["execution"]["writable"], str(tools.uv_cache)]
        if setup is None:
            del doc["execution"]["setup"]
        else:
            doc["execution"]["setup"] = setup
            doc["steps"][0]["acceptance_tests"].append(f'python -c "{in_venv}"')
        began = time.monotonic()
        steps = workstream(root, env, doc, f"{name}.workstream.json")
        costs[name] = (time.monotonic() - began) / len(steps)
        for step_id, step in steps.items():
            assert step["status"] == "succeeded", (name, step_id, step["message"])
        files = set(
            git(root, "ls-tree", "-r", "--name-only", f"workstream/sample-{name}/result").split()
        )
        assert "src/app/farewell.py" in files and "tests/test_farewell.py" in files
        assert not any(f.startswith(".venv") for f in files)
        log = Path(steps["farewell"]["log"]).read_text()
        assert ("using the worktree's Python environment" in log) == (setup is not None)
    print(
        "\nper step: "
        + ", ".join(f"{k} {v:.2f}s ({v / costs['none']:.1f}x)" for k, v in costs.items())
    )
    assert user.digest() == before
    assert max(costs.values()) < 120
