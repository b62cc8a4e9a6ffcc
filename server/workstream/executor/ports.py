"""A distinct ``WORKSTREAM_PORT`` for every running step, so dev servers do not collide."""

from __future__ import annotations

import socket
import threading


class PortPool:
    """Hands out TCP ports that are free now and not held by another running step."""

    def __init__(self) -> None:
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def acquire(self) -> int:
        """A port free on localhost and distinct from every port currently held."""
        with self._lock:
            for _ in range(50):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    sock.bind(("127.0.0.1", 0))
                    port = int(sock.getsockname()[1])
                if port not in self._held:
                    self._held.add(port)
                    return port
            raise OSError("no free TCP port found for WORKSTREAM_PORT")

    def release(self, port: int) -> None:
        """Give a port back once its step finished."""
        with self._lock:
            self._held.discard(port)
