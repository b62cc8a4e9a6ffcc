"""The protocol class: pygls' own, minus its copy of the open documents.

pygls keeps every open document and applies each incremental change by rebuilding the whole
text line by line, on the event loop, before any handler runs (26 ms per keystroke on a 2.6 MB
document; ~100 ms on 10 MB). The server keeps its own store instead
(:mod:`workstream.lsp.documents`), so these three notifications only hand over to the server's
handlers. ``protocol_cls`` is pygls' documented way to customise the protocol.

It also answers a request whose parameters cannot be read (wrong types) with an
``InvalidParams`` error: pygls logs such a message and drops it, leaving the client waiting for
a response that never comes.

Every message passes the lifecycle gate first (:mod:`workstream.lsp.gate`: nothing but
``initialize`` before it, ``initialize`` once, nothing but ``exit`` after ``shutdown``). And no
error response carries data: pygls puts the Python traceback of an unexpected exception there;
it goes to the server's log (stderr) instead, and the message is kept short. An error a
handler raises on purpose (a ``JsonRpcException``: bad arguments, a refused run) is an answer,
not a failure: it is logged as one line at info level, never as a traceback at error level
(pygls logs it with ``logger.exception``, which editors show as ``[error]`` with a traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from concurrent.futures import Future
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    LanguageServerProtocol,
    lsp_method,
)

from workstream.lsp.bulk import Wire
from workstream.lsp.gate import Gate

log = logging.getLogger(__name__)

#: The internal method an unreadable request is rerouted to, to be answered with an error.
UNREADABLE_REQUEST = "$/workstream/unreadableRequest"
#: The longest error message sent (an exception's text can quote any input).
MAX_ERROR_MESSAGE = 500


class WorkstreamProtocol(LanguageServerProtocol):
    """LSP protocol whose text synchronisation is left to the server's document store."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = Gate()

    def handle_message(self, message: Any) -> None:
        """Handle a message the lifecycle gate lets through; answer or drop the others."""
        method = getattr(message, "method", None)
        if not isinstance(method, str):
            super().handle_message(message)  # a response to one of the server's requests
            return
        readable = method != UNREADABLE_REQUEST
        if not readable:
            method = str(message.params["method"])
        if not hasattr(message, "id"):
            if self.gate.drops(method):
                log.warning("dropped %s notification (state: %s)", method, self.gate.state)
                return
        elif (refusal := self.gate.request(method, readable)) is not None:
            self._send_response(message.id, error=refusal)
            return
        super().handle_message(message)

    def notify_json(self, method: str, params: Any) -> None:
        """Send a notification whose params are already JSON-ready (built off the loop): the
        converter passes them through instead of walking them (see :mod:`workstream.lsp.bulk`)."""
        self._send_data(
            JsonRPCNotification(method=method, params=Wire(params), jsonrpc=self.VERSION)
        )

    def _send_response(
        self,
        msg_id: Any,
        result: Any | None = None,
        error: types.ResponseError | None = None,
    ) -> None:
        """Send a response; an error keeps its code and a short message, never data."""
        if error is not None:
            message = error.message
            if len(message) > MAX_ERROR_MESSAGE:
                message = message[: MAX_ERROR_MESSAGE - 1] + "…"
            error = types.ResponseError(code=error.code, message=message)
        super()._send_response(msg_id, result, error)

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        """Send a handler's result; an error it raised on purpose is answered without the
        traceback pygls would log (anything else still goes to pygls, traceback and all)."""
        error = None if future.cancelled() else future.exception()
        if isinstance(error, JsonRpcException):
            self._request_futures.pop(msg_id, None)
            log.info("request %s answered with an error: %s", msg_id, error.message)
            self._send_response(msg_id, error=error.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

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
