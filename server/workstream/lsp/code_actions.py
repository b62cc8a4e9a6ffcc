"""``textDocument/codeAction``: quick fixes for the diagnostics in the requested range.

WS102 offers the close ids ("did you mean"), WS103 / WS105 remove the entry (with its comma),
WS201 adds a dependency between the two conflicting steps. Fixes are computed from the
server's own findings (not from the client's copy of the diagnostics), on an exact analysis
of the current text, so every edit is precise.
"""

from __future__ import annotations

from lsprotocol import types

from workstream.lsp.context import resolve_exact, to_current
from workstream.lsp.convert import to_diagnostic
from workstream.lsp.quick_fixes import fixes
from workstream.lsp.server import WorkstreamServer


async def code_actions(
    ls: WorkstreamServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    """Quick fixes for findings overlapping the range."""
    only = params.context.only
    if only and not any(str(kind).startswith("quickfix") for kind in only):
        return None
    at = await resolve_exact(ls, params.text_document.uri)
    if at is None:
        return None
    start = ls.offset(at.doc, params.range.start)
    end = ls.offset(at.doc, params.range.end)
    actions: list[types.CodeAction] = []
    for finding in at.snapshot.findings:
        if finding.span.end < start or finding.span.start > end:
            continue
        for fix in fixes(at.snapshot.analysis, finding):
            edits = []
            for span, text in fix.edits:
                where = to_current(at, span)
                if where is None:
                    break
                edits.append(types.TextEdit(range=where, new_text=text))
            else:
                actions.append(
                    types.CodeAction(
                        title=fix.title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[to_diagnostic(at.index, at.doc.uri, finding, at.encoding)],
                        is_preferred=fix.preferred or None,
                        edit=types.WorkspaceEdit(changes={at.doc.uri: edits}),
                    )
                )
    return actions


def register(server: WorkstreamServer) -> None:
    """Register the quick fixes."""
    server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )(code_actions)
