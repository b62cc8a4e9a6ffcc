"""Where runs may happen: a trusted workspace, and a file on disk inside one of its folders.

The workspace folders are those the client names at ``initialize`` (``workspaceFolders``, else
``rootUri``, else ``rootPath``) and those it adds or removes later with
``workspace/didChangeWorkspaceFolders``. A client that names no folder at all gets no runs (an
untrusted default): the refusal says to open a folder. Paths are compared after resolving
symlinks and ``..``, on both sides, so neither a link nor ``..`` in a URI leads a run outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from workstream.lsp.arguments import short


class RunRefused(JsonRpcException):
    """A run command that cannot run (untrusted workspace, outside its folders, ...)."""

    CODE = -32803  # LSP RequestFailed
    MESSAGE = "Run refused"


NO_FOLDER = (
    "Workstream runs are disabled: no workspace folder is open. Open the folder that holds the "
    "workstream (File > Open Folder; in Neovim, a root_dir) to run its steps."
)
UNTRUSTED = (
    "Workstream runs are disabled: this workspace is not trusted. Trust the workspace to run steps."
)


def local_path(uri: str) -> str | None:
    """The absolute path a ``file:`` URI names, or None for anything else (another scheme, a
    host, a query or fragment, a relative or empty path, a NUL byte)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    if parts.query or parts.fragment:
        return None
    path = to_fs_path(uri)
    if not path or not path.startswith("/") or "\x00" in path:
        return None
    return path


def _resolved(path: str) -> Path | None:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, an unreadable component
        return None


class Folders:
    """The workspace folders, as the client named them (paths, unresolved)."""

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}  # by the normalised path: a folder named twice is one

    def reset(self, params: types.InitializeParams) -> None:
        """The folders of ``initialize``: ``workspaceFolders``, else ``rootUri``/``rootPath``."""
        self._paths.clear()
        if params.workspace_folders:
            for folder in params.workspace_folders:
                self.add(folder.uri)
        elif params.root_uri:
            self.add(params.root_uri)
        elif params.root_path:
            self.add_path(params.root_path)

    def add(self, uri: str) -> None:
        """Add a folder given as a URI (ignored unless it is a local ``file:`` folder)."""
        path = local_path(uri)
        if path is not None:
            self.add_path(path)

    def add_path(self, path: str) -> None:
        """Add a folder given as an absolute path."""
        if path.startswith("/") and "\x00" not in path:
            self._paths[str(Path(path))] = path

    def remove(self, uri: str) -> None:
        """Remove a folder given as a URI."""
        path = local_path(uri)
        if path is not None:
            self._paths.pop(str(Path(path)), None)

    def change(
        self, added: Sequence[types.WorkspaceFolder], removed: Sequence[types.WorkspaceFolder]
    ) -> None:
        """Apply ``workspace/didChangeWorkspaceFolders``."""
        for folder in removed:
            self.remove(folder.uri)
        for folder in added:
            self.add(folder.uri)

    def __bool__(self) -> bool:
        return bool(self._paths)

    def holding(self, path: str) -> Path | None:
        """``path`` resolved, if it lies inside one of the folders (resolved too)."""
        target = _resolved(path)
        if target is None:
            return None
        for folder in self._paths.values():
            root = _resolved(folder)
            if root is not None and target.is_relative_to(root):
                return target
        return None


def runnable_path(trusted: bool, folders: Folders, uri: str) -> Path:
    """The resolved path of the workstream ``uri`` names, if it may be run; else RunRefused.

    ``uri`` must already be a local ``file:`` URI (see :func:`local_path`).
    """
    if not trusted:
        raise RunRefused(UNTRUSTED)
    if not folders:
        raise RunRefused(NO_FOLDER)
    path = local_path(uri)
    if path is None:
        raise RunRefused(f"Only files on disk can be run, not {short(uri)}")
    inside = folders.holding(path)
    if inside is None:
        raise RunRefused(
            f"Not run: {short(path)} is outside the workspace folders. Open its folder to run it."
        )
    if not inside.is_file():
        raise RunRefused(f"No such file: {short(path)}. Save the workstream first.")
    return inside
