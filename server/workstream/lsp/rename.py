"""``textDocument/prepareRename`` and ``textDocument/rename`` of step and step group ids.

A step id can be renamed from its definition, any ``depends_on`` entry or a
``step_groups[].steps`` entry, and a group id from its definition or a ``depends_on`` entry;
every reference is renamed with it. A new name that git cannot use, an empty one or one
already taken is refused with a message saying why.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidRequest

from workstream.lsp.context import resolve_exact, to_current
from workstream.lsp.query import rename_edits, rename_problem, target_at
from workstream.lsp.server import WorkstreamServer
from workstream.model import Workstream


def _defined(model: Workstream, name: str) -> bool:
    """Whether ``name`` is the id of a step or of a step group (both can be renamed)."""
    return model.step(name) is not None or name in model.groups_by_id


async def prepare_rename(
    ls: WorkstreamServer, params: types.PrepareRenameParams
) -> types.PrepareRenamePlaceholder | None:
    """The range and current name of the step id under the cursor (None: nothing to rename)."""
    at = await resolve_exact(ls, params.text_document.uri, params.position)
    if at is None or at.analysed is None:
        return None
    target = target_at(at.snapshot.analysis, at.analysed)
    if target is None or target.kind not in ("step-id", "dependency", "group-id"):
        return None
    model = at.snapshot.analysis.model
    if model is None or not _defined(model, target.name):
        return None  # an undefined dependency: fix it (quick fix), do not rename it
    inner = to_current(at, target.span)
    if inner is None:
        return None
    # Select the id without its quotes.
    inner.start.character += 1
    inner.end.character -= 1
    return types.PrepareRenamePlaceholder(range=inner, placeholder=target.name)


async def rename(ls: WorkstreamServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    """Rename the step or group id under the cursor and every reference to it."""
    at = await resolve_exact(ls, params.text_document.uri, params.position)
    if at is None or at.analysed is None:
        return None
    analysis = at.snapshot.analysis
    target = target_at(analysis, at.analysed)
    if target is None or target.kind not in ("step-id", "dependency", "group-id"):
        return None
    model = analysis.model
    if model is None or not _defined(model, target.name):
        raise JsonRpcInvalidRequest(f"No step or step group has the id '{target.name}'.")
    problem = rename_problem(analysis, target.name, params.new_name)
    if problem is not None:
        raise JsonRpcInvalidRequest(problem)
    edits = []
    for span, text in rename_edits(analysis, target.name, params.new_name):
        where = to_current(at, span)
        if where is not None:
            edits.append(types.TextEdit(range=where, new_text=text))
    return types.WorkspaceEdit(changes={at.doc.uri: edits})


def register(server: WorkstreamServer) -> None:
    """Register rename."""
    server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)(prepare_rename)
    server.feature(types.TEXT_DOCUMENT_RENAME)(rename)
