"""The protocol class: pygls' own, minus its copy of the open documents.

pygls keeps every open document and applies each incremental change by rebuilding the whole
text line by line, on the event loop, before any handler runs (26 ms per keystroke on a 2.6 MB
document; ~100 ms on 10 MB). The server keeps its own store instead
(:mod:`workstream.lsp.documents`), so these three notifications only hand over to the server's
handlers. ``protocol_cls`` is pygls' documented way to customise the protocol.

It also answers a request whose parameters cannot be read (wrong types) with an
``InvalidParams`` error: pygls logs such a message and drops it, leaving the client waiting for
a response that never comes.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import JsonRPCRequestMessage, LanguageServerProtocol, lsp_method

#: The internal method an unreadable request is rerouted to, to be answered with an error.
UNREADABLE_REQUEST = "$/workstream/unreadableRequest"


class WorkstreamProtocol(LanguageServerProtocol):
    """LSP protocol whose text synchronisation is left to the server's document store."""

    def _handover(self, method: str, params: Any) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Hand ``textDocument/didOpen`` to the server's handler."""
        yield from self._handover(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Hand ``textDocument/didChange`` to the server's handler."""
        yield from self._handover(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Hand ``textDocument/didClose`` to the server's handler."""
        yield from self._handover(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def structure_message(self, data: dict[str, Any]) -> Any:
        """Structure a message; turn an unreadable request into one that gets an error."""
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if "id" not in data or not isinstance(data.get("method"), str):
                raise  # a notification or a response: logged, nobody waits for an answer
            return JsonRPCRequestMessage(
                id=data["id"],
                method=UNREADABLE_REQUEST,
                jsonrpc=str(data.get("jsonrpc")),
                params={"method": data["method"]},
            )

    @lsp_method(UNREADABLE_REQUEST)
    def lsp_unreadable_request(self, params: dict[str, Any]) -> None:
        """Answer a request whose parameters could not be read."""
        raise JsonRpcInvalidParams(f"Invalid params for {params['method']}")
