"""``textDocument/definition`` and ``textDocument/references`` of step ids.

From a ``depends_on`` entry (or the id itself), definition jumps to the step's ``id``;
references lists the definition (when asked) and every ``depends_on`` entry naming it.
"""

from __future__ import annotations

from lsprotocol import types

from workstream.lsp.context import At, resolve, to_current
from workstream.lsp.query import Target, definition, references, target_at
from workstream.lsp.server import WorkstreamServer


def _step_target(at: At | None) -> Target | None:
    if at is None or at.analysed is None:
        return None
    target = target_at(at.snapshot.analysis, at.analysed)
    kinds = ("step-id", "dependency", "group-id")
    return target if target is not None and target.kind in kinds else None


def goto_definition(
    ls: WorkstreamServer, params: types.DefinitionParams
) -> list[types.Location] | None:
    """Where the step under the cursor is defined."""
    at = resolve(ls, params.text_document.uri, params.position)
    target = _step_target(at)
    if at is None or target is None:
        return None
    span = definition(at.snapshot.analysis, target.name)
    found = None if span is None else to_current(at, span)
    return None if found is None else [types.Location(uri=at.doc.uri, range=found)]


def find_references(
    ls: WorkstreamServer, params: types.ReferenceParams
) -> list[types.Location] | None:
    """Every use of the step id under the cursor."""
    at = resolve(ls, params.text_document.uri, params.position)
    target = _step_target(at)
    if at is None or target is None:
        return None
    spans = references(
        at.snapshot.analysis, target.name, include_definition=params.context.include_declaration
    )
    ranges = (to_current(at, span) for span in spans)
    return [types.Location(uri=at.doc.uri, range=r) for r in ranges if r is not None]


def register(server: WorkstreamServer) -> None:
    """Register definition and references."""
    server.feature(types.TEXT_DOCUMENT_DEFINITION)(goto_definition)
    server.feature(types.TEXT_DOCUMENT_REFERENCES)(find_references)
