"""Document synchronisation: open, change, save and close keep the store and diagnostics current.

Only workstream files are analysed (``*.workstream.json``, ``workstream.json``,
``workstreams/*.json``, or the language id ``workstream``): a client that sends every JSON file
gets no diagnostics on its ``package.json``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

from lsprotocol import types

from workstream.discovery import is_workstream_file
from workstream.lsp.server import WorkstreamServer


def is_workstream(uri: str, language_id: str) -> bool:
    """True for a document the server analyses."""
    if language_id == "workstream":
        return True
    path = unquote(urlparse(uri).path)
    return bool(path) and is_workstream_file(PurePosixPath(path))  # type: ignore[arg-type]


def did_open(ls: WorkstreamServer, params: types.DidOpenTextDocumentParams) -> None:
    """Track the document and analyse it at once."""
    item = params.text_document
    if not is_workstream(item.uri, item.language_id):
        return
    ls.documents.open(item.uri, item.version, item.text, item.language_id)
    ls.diagnostics.schedule(item.uri, 0)
    ls.runs.load(item.uri)


def did_change(ls: WorkstreamServer, params: types.DidChangeTextDocumentParams) -> None:
    """Apply the changes in order, then analyse after the debounce."""
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return  # not open, or not a workstream file
    encoding = ls.encoding
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            doc.replace_range(
                (start.line, start.character), (end.line, end.character), change.text, encoding
            )
        else:
            doc.replace_all(change.text)
    doc.version = params.text_document.version
    ls.diagnostics.schedule(doc.uri)


def did_save(ls: WorkstreamServer, params: types.DidSaveTextDocumentParams) -> None:
    """Analyse a saved document at once."""
    if ls.document(params.text_document.uri) is not None:
        ls.diagnostics.schedule(params.text_document.uri, 0)


def did_close(ls: WorkstreamServer, params: types.DidCloseTextDocumentParams) -> None:
    """Forget the document and clear its diagnostics."""
    if ls.documents.close(params.text_document.uri) is not None:
        ls.diagnostics.forget(params.text_document.uri)


def register(server: WorkstreamServer) -> None:
    """Register the synchronisation handlers."""
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(did_save)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
