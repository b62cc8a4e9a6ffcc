"""``textDocument/codeAction``: quick fixes for the diagnostics in the requested range.

WS102 offers the close ids ("did you mean"), WS103 / WS105 remove the entry (with its comma),
WS201 adds a dependency between the two conflicting steps. Fixes are computed from the
server's own findings (not from the client's copy of the diagnostics), on an exact analysis
of the current text, so every edit is precise.

On a step (its object, its id) of a file without errors, in a trusted workspace, the run
commands are offered too, as actions of kind ``source.workstream.run``: "Run step 'x'" and
"Run workstream", so that editors without code lenses (Emacs with eglot) can run steps.
"""

from __future__ import annotations

from lsprotocol import types

from workstream.lsp.commands import RUN_STEP, RUN_WORKSTREAM
from workstream.lsp.context import At, resolve_fresh, to_current
from workstream.lsp.convert import to_diagnostic
from workstream.lsp.quick_fixes import fixes
from workstream.lsp.server import WorkstreamServer


async def code_actions(
    ls: WorkstreamServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    """Quick fixes for findings overlapping the range; the run commands on a step."""
    only = params.context.only
    quick = not only or any(str(kind).startswith("quickfix") for kind in only)
    runs = not only or any(RUN_KIND.startswith(str(kind)) for kind in only)
    if not quick and not runs:
        return None
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    # Offsets in the text of the request, which resolve_fresh analyses.
    start = ls.offset(doc, params.range.start)
    end = ls.offset(doc, params.range.end)
    at = await resolve_fresh(ls, params.text_document.uri)
    if at is None:
        return None
    actions: list[types.CodeAction] = []
    if runs and ls.settings.trusted:
        actions += run_actions(at, start, end)
    # Edits are made for the request's text: once an edit has arrived they could land in the
    # wrong place (a WorkspaceEdit carries no version), so then only the run actions answer.
    fresh = ls.document(params.text_document.uri) is doc and doc.version == at.snapshot.version
    for finding in at.snapshot.findings if quick and fresh else ():
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


#: The kind of the run actions (a ``source`` action: it changes no text).
RUN_KIND = "source.workstream.run"


def run_actions(at: At, start: int, end: int) -> list[types.CodeAction]:
    """ "Run step 'x'" when the range lies in a step, and "Run workstream"; none for a file
    with errors (it cannot run: its diagnostics say why)."""
    analysis = at.snapshot.analysis
    model, graph = analysis.model, at.snapshot.graph
    if model is None or graph is None or analysis.errors:
        return []
    uri = at.doc.uri  # the snapshot is of the request's text (resolve_fresh): offsets agree
    commands = []
    for step in graph.steps:
        span = analysis.parsed.span(("steps", step.index))
        if span is not None and span.start <= start and end <= span.end:
            commands.append(
                types.Command(
                    title=f"Run step '{step.id}'", command=RUN_STEP, arguments=[uri, step.id]
                )
            )
            break
    commands.append(types.Command(title="Run workstream", command=RUN_WORKSTREAM, arguments=[uri]))
    return [types.CodeAction(title=c.title, kind=RUN_KIND, command=c) for c in commands]


def register(server: WorkstreamServer) -> None:
    """Register the quick fixes and run actions."""
    server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, RUN_KIND]),
    )(code_actions)
