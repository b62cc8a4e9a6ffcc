"""The language server: its state, its settings and the factory that assembles the features.

Each feature lives in its own module with a ``register(server)`` function; this module only
holds what they share (the open documents, the negotiated position encoding, the settings, the
workspace folders) and wires them together. There is no module-global server:
:func:`create_server` builds a new one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError
from pygls.lsp.server import LanguageServer

from workstream import __version__
from workstream.lsp import bulk
from workstream.lsp.diagnostics import DiagnosticsScheduler
from workstream.lsp.documents import Document, DocumentStore
from workstream.lsp.protocol import WorkstreamProtocol
from workstream.lsp.runs import Runs
from workstream.lsp.trust import Folders
from workstream.model_values import cluster_problem
from workstream.textpos import Encoding

log = logging.getLogger(__name__)

_ENCODINGS: dict[str, Encoding] = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}

#: The codes a client may ask the server not to publish (``omitDiagnosticCodes``).
OMITTABLE = frozenset({"WS001"})


@dataclass(frozen=True)
class Settings:
    """Initialization options, each with the default used when it is missing or invalid."""

    #: False in an untrusted workspace: run commands are refused.
    trusted: bool = True
    #: Quiet time after the last edit before a document is analysed.
    debounce_ms: int = 150
    #: Codes not to publish because the client reports the same mistakes itself (a client
    #: whose own JSON service validates syntax may send WS001; the VS Code extension gives
    #: workstream files a language of their own and sends nothing). Only codes in
    #: :data:`OMITTABLE` may be omitted: the server always owns the rest, WS002 above all
    #: (its messages say "did you mean", and a client's schema may be another one or none).
    omit_codes: frozenset[str] = frozenset()
    #: Commands the client runs itself; a status lens opens the step's log with
    #: ``workstream.showStepLog [uri, stepId, logPath]`` when the client has it.
    client_commands: frozenset[str] = frozenset()
    #: True when the client shows runs itself from ``workstream/runStatus`` and
    #: ``workstream/stepStatus`` (the VS Code extension: a notification with Cancel, a
    #: summary with buttons): then a run sends no ``$/progress`` and no summary message.
    client_shows_runs: bool = False
    #: The Dask cluster runs started here use (a scheduler address or ``local:N``, as
    #: ``workstream run --cluster``; over the file's ``execution.cluster``); None: as the
    #: file says.
    cluster: str | None = None
    #: The git remote (a name or URL) a cluster run goes through (``--remote``); None:
    #: ``origin`` (or, on ``local:N``, a relay of its own).
    remote: str | None = None

    @classmethod
    def from_options(cls, options: Any) -> tuple[Settings, list[str]]:
        """Settings from ``initializationOptions``; also the problems found (for the log)."""
        problems: list[str] = []
        if options is None:
            return cls(), problems
        if not isinstance(options, dict):
            return cls(), [f"initializationOptions must be an object, not {options!r}"]
        trusted = options.get("trusted", cls.trusted)
        if not isinstance(trusted, bool):
            problems.append(f"'trusted' must be true or false, not {trusted!r}: using false")
            trusted = False  # an unclear trust setting must not allow runs
        debounce = options.get("debounceMs", cls.debounce_ms)
        if (
            isinstance(debounce, bool)
            or not isinstance(debounce, int)
            or not 0 <= debounce <= 10_000
        ):
            problems.append(f"'debounceMs' must be an integer 0-10000, not {debounce!r}: using 150")
            debounce = cls.debounce_ms
        omit = options.get("omitDiagnosticCodes", [])
        if not isinstance(omit, list) or not all(isinstance(code, str) for code in omit):
            problems.append(f"'omitDiagnosticCodes' must be a list of codes, not {omit!r}: ignored")
            omit = []
        owned = sorted(set(omit) - OMITTABLE)
        if owned:
            problems.append(
                f"'omitDiagnosticCodes' may only name {', '.join(sorted(OMITTABLE))}: "
                f"{', '.join(owned)} published anyway (the server owns them)"
            )
            omit = [code for code in omit if code in OMITTABLE]
        commands = options.get("clientCommands", [])
        if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
            problems.append(f"'clientCommands' must be a list of names, not {commands!r}: ignored")
            commands = []
        shows_runs = options.get("clientShowsRuns", cls.client_shows_runs)
        if not isinstance(shows_runs, bool):
            problems.append(f"'clientShowsRuns' must be true or false, not {shows_runs!r}: false")
            shows_runs = False
        settings = cls(
            trusted=trusted,
            debounce_ms=debounce,
            omit_codes=frozenset(omit),
            client_commands=frozenset(commands),
            client_shows_runs=shows_runs,
        )
        return settings.with_cluster(options, problems), problems

    def with_cluster(self, options: dict[str, Any], problems: list[str]) -> Settings:
        """These settings with ``cluster`` and ``remote`` as ``options`` gives them (from
        ``initializationOptions``, or the ``workstream`` section of
        ``workspace/didChangeConfiguration``); a missing, null or empty one means none; an
        invalid one is a problem and means none (a run never goes to a cluster by mistake)."""
        cluster = options.get("cluster")
        if cluster is not None and not isinstance(cluster, str):
            problems.append(f"'cluster' must be a string, not {cluster!r}: ignored")
            cluster = None
        cluster = (cluster or "").strip() or None
        problem = cluster_problem(cluster) if cluster is not None else None
        if problem is not None:
            problems.append(f"'cluster': {problem}: ignored")
            cluster = None
        remote = options.get("remote")
        if remote is not None and not isinstance(remote, str):
            problems.append(f"'remote' must be a string, not {remote!r}: ignored")
            remote = None
        remote = (remote or "").strip() or None
        if remote is not None and remote.startswith("-"):
            problems.append(f"'remote' must be a git remote's name or URL, not {remote!r}: ignored")
            remote = None
        return dataclasses.replace(self, cluster=cluster, remote=remote)


class WorkstreamServer(LanguageServer):
    """The workstream language server: pygls plus the state the features share."""

    def __init__(self) -> None:
        super().__init__(
            "workstream",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=WorkstreamProtocol,
            converter_factory=bulk.converter,
        )
        self.documents = DocumentStore()
        self.settings = Settings()
        self.folders = Folders()
        self.pending_problems: list[str] = []
        #: One analysis at a time, off the event loop (they are CPU-bound: more would only
        #: fight over the GIL).
        self.analysis_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")
        #: Big answers (outline, lenses, graph), off the event loop: hover stays immediate.
        self.query_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query")
        self.diagnostics = DiagnosticsScheduler(self)
        self.runs = Runs(self)

    @property
    def encoding(self) -> Encoding:
        """The negotiated position encoding."""
        try:
            kind = self.workspace.position_encoding
        except RuntimeError:  # not initialized yet
            return "utf-16"
        return _ENCODINGS.get(str(kind), "utf-16")

    @property
    def shutdown_received(self) -> bool:
        """True once the client sent ``shutdown`` (so ``exit`` is an orderly exit)."""
        protocol = self.protocol
        return isinstance(protocol, WorkstreamProtocol) and protocol.gate.state == "shut down"

    def document(self, uri: str) -> Document | None:
        """The open document at ``uri`` (None for unknown or closed documents)."""
        return self.documents.get(uri)

    def offset(self, doc: Document, position: types.Position) -> int:
        """The offset of a client position in the document (clamped)."""
        return doc.offset_at(position.line, position.character, self.encoding)

    def notify_json(self, method: str, params: Any) -> None:
        """Send a notification whose params are already JSON (built off the event loop)."""
        protocol = self.protocol
        assert isinstance(protocol, WorkstreamProtocol)
        protocol.notify_json(method, params)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        """Send a line to the client's log (``window/logMessage``)."""
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log unexpected errors instead of popping a message up for each one."""
        log.error("%s", error)
        if source is FeatureRequestError:
            return  # the request already got an error response
        with contextlib.suppress(Exception):  # the connection may be gone
            self.log(f"workstream: internal error: {error}", types.MessageType.Error)

    def shutdown(self) -> None:
        """Stop background work, then pygls."""
        self.runs.shutdown()
        self.analysis_pool.shutdown(wait=False, cancel_futures=True)
        self.query_pool.shutdown(wait=False, cancel_futures=True)
        super().shutdown()  # type: ignore[no-untyped-call]


from workstream.lsp import (  # noqa: E402 - the feature modules need WorkstreamServer
    code_actions,
    code_lens,
    commands,
    completion,
    graph_view,
    hover,
    layout,
    lifecycle,
    navigation,
    rename,
    runs_view,
    symbols,
    sync,
)


def create_server() -> WorkstreamServer:
    """A new server with every feature registered."""
    server = WorkstreamServer()
    for feature in (
        lifecycle,
        sync,
        hover,
        navigation,
        rename,
        completion,
        symbols,
        layout,
        code_actions,
        code_lens,
        commands,
        graph_view,
        runs_view,
    ):
        feature.register(server)
    return server
