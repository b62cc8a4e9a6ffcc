"""pytest-lsp fixtures: the real server over stdio, as VS Code and as Neovim would drive it.

One server per client per test module (starting Python with pygls costs ~0.5 s); each test
opens its own document URI, so tests stay independent.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

FIXTURES = Path(__file__).parent / "fixtures"
CLIENTS = ["visual-studio-code", "neovim"]
SERVER = [sys.executable, "-m", "workstream", "serve"]


def initialize_params(
    client: str, root: Path | None = FIXTURES, **options: Any
) -> types.InitializeParams:
    """Initialize params with a real editor's recorded capabilities, opening ``root`` (as
    ``rootUri`` and the one workspace folder, as both editors send it; None: no folder)."""
    return types.InitializeParams(
        capabilities=client_capabilities(client),
        initialization_options={"debounceMs": 50, **options},
        root_uri=None if root is None else root.as_uri(),
        workspace_folders=None
        if root is None
        else [types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
    )


def change_folders(
    client: LanguageClient, added: tuple[Path, ...] = (), removed: tuple[Path, ...] = ()
) -> None:
    """``workspace/didChangeWorkspaceFolders``: the user opened or closed folders."""
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=p.as_uri(), name=p.name) for p in added],
                removed=[types.WorkspaceFolder(uri=p.as_uri(), name=p.name) for p in removed],
            )
        )
    )


@pytest_lsp.fixture(
    params=CLIENTS, scope="module", config=ClientServerConfig(server_command=SERVER)
)
async def client(request: Any, lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """A client connected to a fresh server, with the capabilities of one real editor."""
    result = await lsp_client.initialize_session(initialize_params(request.param))
    # Tests compute positions in the encoding the server chose for this client.
    lsp_client.position_encoding = str(result.capabilities.position_encoding or "utf-16")
    yield
    await lsp_client.shutdown_session()


_counter = 0


def fresh_uri(name: str = "doc") -> str:
    """A URI no other test uses (in the fixtures folder, so runs find no state)."""
    global _counter
    _counter += 1
    return (FIXTURES / f"{name}-{_counter}.workstream.json").as_uri()


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until ``predicate()`` is truthy; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting; last value: {value!r}")
        await asyncio.sleep(0.01)


def open_doc(client: LanguageClient, text: str, name: str = "doc", version: int = 1) -> str:
    """Open a new document; returns its URI."""
    uri = fresh_uri(name)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="json", version=version, text=text
            )
        )
    )
    return uri


async def diagnostics_of(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """Wait for the first diagnostics of ``uri``."""
    await wait_for(lambda: uri in client.diagnostics)
    return list(client.diagnostics[uri])


def position_of(
    text: str, needle: str, encoding: str = "utf-16", nth: int = 0, delta: int = 1
) -> types.Position:
    """The position (in ``encoding`` units) of ``delta`` characters into the nth ``needle``."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    offset += delta
    line = text.count("\n", 0, offset)
    prefix = text[text.rfind("\n", 0, offset) + 1 : offset]
    if encoding == "utf-16":
        column = len(prefix.encode("utf-16-le")) // 2
    elif encoding == "utf-8":
        column = len(prefix.encode("utf-8"))
    else:
        column = len(prefix)
    return types.Position(line=line, character=column)


def at(
    client: LanguageClient, text: str, needle: str, nth: int = 0, delta: int = 1
) -> types.Position:
    """:func:`position_of` in the position encoding negotiated with ``client``."""
    encoding = getattr(client, "position_encoding", "utf-16")
    return position_of(text, needle, encoding, nth, delta)
