"""The lifecycle gate: which messages the server accepts before ``initialize``, after it, and
after ``shutdown`` (LSP 3.17, "Lifecycle Messages").

* Before ``initialize``: a request gets ServerNotInitialized (-32002); a notification is
  dropped, except ``exit``. Nothing else runs, so no command can start a run before the
  client has said who it is and what it trusts.
* ``initialize`` is accepted once. A second one is an InvalidRequest and changes nothing (it
  cannot turn runs back on after ``trusted: false``).
* After ``shutdown``: a request gets InvalidRequest; only ``exit`` is handled.

pygls 2 itself drops messages after ``shutdown`` without answering and lets everything through
before ``initialize`` (re-running ``initialize`` when asked twice); the protocol class asks this
gate first. Pure: the protocol class sends the answers.
"""

from __future__ import annotations

from typing import Literal

from lsprotocol import types

SERVER_NOT_INITIALIZED = -32002
INVALID_REQUEST = -32600


class Gate:
    """The server's place in the lifecycle."""

    def __init__(self) -> None:
        self.state: Literal["new", "running", "shut down"] = "new"

    def request(self, method: str, readable: bool = True) -> types.ResponseError | None:
        """The error a request gets now (None: handle it). ``readable`` is False for a
        request whose parameters could not be read (it will get InvalidParams)."""
        if self.state == "new":
            if method != types.INITIALIZE:
                return types.ResponseError(
                    code=SERVER_NOT_INITIALIZED,
                    message=f"Server not initialized: send initialize before {method}",
                )
            if readable:
                self.state = "running"
            return None
        if self.state == "shut down":
            return types.ResponseError(
                code=INVALID_REQUEST,
                message=f"The server is shutting down: {method} refused (only exit is accepted)",
            )
        if method == types.INITIALIZE:
            return types.ResponseError(
                code=INVALID_REQUEST,
                message="The server is already initialized: a second initialize changes nothing",
            )
        if method == types.SHUTDOWN and readable:
            self.state = "shut down"
        return None

    def drops(self, method: str) -> bool:
        """True for a notification to drop (before ``initialize`` or after ``shutdown``)."""
        return self.state != "running" and method != types.EXIT
