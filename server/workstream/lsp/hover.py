"""``textDocument/hover`` on a step id or a ``depends_on`` entry: what the step is and does;
on a candidate of a step, what that candidate runs and how it ended
(:mod:`workstream.lsp.hover_candidates`); on any other key, what the schema says of it
(:mod:`workstream.analysis.schema_help`).

Shows the description, tool, dependencies, dependents, file scope, its parallel_group with
the barrier it waits at and its step group (:mod:`workstream.lsp.hover_groups`), last run
status and the AI tool's transcript (a link); on a tool name, its command, bookkeeping and
what it needs. The answer comes from the newest analysis without waiting for one, so it stays
fast while the user types. It is Markdown, or plain text for a client whose ``contentFormat`` puts
``plaintext`` first (eglot does).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from lsprotocol import types

from workstream.analysis.schema_help import describe_key
from workstream.builtin_tools import BUILTIN
from workstream.candidates import FIRST, unit_count
from workstream.lsp.context import At, resolve_fresh, to_current
from workstream.lsp.hover_candidates import candidate_at, describe_candidate
from workstream.lsp.hover_groups import group_lines
from workstream.lsp.query import path_at, target_at
from workstream.lsp.server import WorkstreamServer
from workstream.lsp.snapshot import Snapshot
from workstream.model import Step, Workstream


def _list(items: tuple[str, ...] | list[str], empty: str = "none") -> str:
    return ", ".join(f"`{item}`" for item in items) if items else empty


def describe(
    snapshot: Snapshot, step: Step, status: str | None, transcript: str | None = None
) -> str:
    """Markdown describing one step."""
    graph = snapshot.graph
    dependents: list[str] = []
    if graph is not None and step.id in graph.index:
        here = graph.index[step.id]
        dependents = [graph.ids[n] for n, deps in enumerate(graph.deps) if here in deps]
    lines = [f"**{step.id}**" + (f" — {step.description}" if step.description else "")]
    lines.append("")
    lines.append(f"- tool: `{step.tool}`")
    lines.append(f"- depends on: {_list(step.depends_on)}")
    lines.append(f"- dependents: {_list(dependents)}")
    files = "no scope" if step.files is None else _list(step.files, "must change nothing")
    lines.append(f"- files: {files}")
    if snapshot.analysis.model is not None:
        lines.extend(group_lines(snapshot.analysis.model, step))
    if step.candidates:
        lines.extend(candidates_lines(step))
    if status:
        lines.append(f"- last run: {status}")
    if transcript:
        lines.append(f"- transcript: [{Path(transcript).name}]({Path(transcript).as_uri()})")
    return "\n".join(lines)


def candidates_lines(step: Step) -> list[str]:
    """A step's candidates as the hover lists them, before any run: how many units of work,
    how one is chosen, and what each changes."""
    units = unit_count(step.candidates)
    chosen = (step.select or FIRST).describe()
    lines = [f"- candidates: {units} runs, each in its own worktree; the result is {chosen}"]
    for candidate in step.candidates:
        times = f" (x{candidate.attempts})" if candidate.attempts > 1 else ""
        lines.append(f"  - {candidate.index + 1}: {candidate.label()}{times}")
    return lines


def describe_tool(model: Workstream, name: str) -> str:
    """Markdown describing a tool: its command, what it keeps for itself, what it needs."""
    tool = model.tools.get(name) or BUILTIN.get(name)
    if tool is None:
        return f"tool `{name}`" + (": runs `run` through your shell" if name == "shell" else "")
    where = "built in" if name not in model.tools else "defined in this file"
    lines = [f"**tool {name}** ({where})" + (f" — {tool.description}" if tool.description else "")]
    lines += ["", f"- command: `{shlex.join(tool.command)}`"]
    if tool.bookkeeping:
        lines.append(f"- keeps for itself (never a change): {_list(tool.bookkeeping)}")
    if tool.writable:
        lines.append(f"- may write in the sandbox: {_list(tool.writable)}")
    if tool.needs:
        lines.append(f"- needs: {tool.needs}")
    return "\n".join(lines)


def describe_group(model: Workstream, name: str) -> str:
    """A step group: how its steps run, and which they are."""
    group = model.groups_by_id.get(name)
    if group is None:
        return f"`{name}`: no step or step group has this id"
    how = "one after another, in this order" if group.sequential else "in parallel"
    cap = f", at most {group.max_workers} at once" if group.max_workers else ""
    lines = [f"**step group {name}** — {len(group.steps)} steps, {how}{cap}", ""]
    lines.append(f"- steps: {_list(group.steps)}")
    lines.append("- in `depends_on`: every step of the group (their results merged)")
    return "\n".join(lines)


def describe_setting(model: Workstream, name: str) -> str:
    """A conditional ``execution`` setting: its expression and the value it has now."""
    for key, expression, now in model.execution.conditional:
        if key == name:
            return (
                f"**execution.{key}** = `{expression}`\n\n"
                f"- now (in the language server's environment): `{now or '(empty)'}`\n"
                "- resolved again when a run starts"
            )
    return ""


async def hover(ls: WorkstreamServer, params: types.HoverParams) -> types.Hover | None:
    """Describe the step under the cursor, in the text the client had when it asked."""
    at = await resolve_fresh(ls, params.text_document.uri, params.position)
    if at is None or at.analysed is None:
        return None
    target = target_at(at.snapshot.analysis, at.analysed)
    model = at.snapshot.analysis.model
    if target is None:
        found = _candidate_hover(ls, at, model) if model is not None else None
        return found or _key_hover(ls, at)
    if model is None:
        return None
    group = model.groups_by_id.get(target.name)
    if target.kind == "workstream-id":
        text = f"**workstream {target.name}** — {len(model.steps)} steps"
    elif target.kind == "tool":
        text = describe_tool(model, target.name)
    elif target.kind == "setting":
        text = describe_setting(model, target.name)
        if not text:
            return None
    elif target.kind == "group-id" or (group is not None and model.step(target.name) is None):
        text = describe_group(model, target.name)
    else:
        step = model.step(target.name)
        if step is None:
            text = f"`{target.name}`: no step has this id"
        else:
            status = ls.runs.status_text(at.doc.uri, step.id, model)
            transcript = ls.runs.transcript(at.doc.uri, step.id)
            text = describe(at.snapshot, step, status, transcript)
    kind = hover_format(ls)
    if kind == types.MarkupKind.PlainText:
        text = plain(text)
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=text),
        range=to_current(at, target.span),
    )


def _candidate_hover(ls: WorkstreamServer, at: At, model: Workstream) -> types.Hover | None:
    """A candidate object of a step (or anything inside it): its effective definition and how
    its runs ended (:mod:`workstream.lsp.hover_candidates`)."""
    if at.analysed is None:
        return None
    found = candidate_at(at.snapshot.analysis.parsed, at.analysed)
    step = None if found is None else next((s for s in model.steps if s.index == found[0]), None)
    if found is None or step is None:
        return None
    entry = ls.runs.statuses(at.doc.uri).get(step.id)
    text = describe_candidate(step, found[1], entry)
    if text is None:
        return None
    kind = hover_format(ls)
    return types.Hover(
        contents=types.MarkupContent(
            kind=kind, value=plain(text) if kind == types.MarkupKind.PlainText else text
        ),
        range=to_current(at, found[2]),
    )


def _key_hover(ls: WorkstreamServer, at: At) -> types.Hover | None:
    """A key: what the schema says of it (its type, default, description, examples)."""
    if at.analysed is None:
        return None
    parsed = at.snapshot.analysis.parsed
    path, on_key = path_at(parsed, at.analysed)
    span = parsed.key_span(path) if on_key else None
    text = describe_key(path) if span is not None else None
    if text is None or span is None:
        return None
    kind = hover_format(ls)
    return types.Hover(
        contents=types.MarkupContent(
            kind=kind, value=plain(text) if kind == types.MarkupKind.PlainText else text
        ),
        range=to_current(at, span),
    )


def hover_format(ls: WorkstreamServer) -> types.MarkupKind:
    """The client's preferred hover format (``contentFormat``, first choice first); Markdown
    when it names none."""
    caps = ls.client_capabilities
    hover_caps = caps.text_document.hover if caps and caps.text_document else None
    formats = (hover_caps.content_format if hover_caps else None) or []
    for kind in formats:
        if kind in (types.MarkupKind.Markdown, types.MarkupKind.PlainText):
            return types.MarkupKind(kind)
    return types.MarkupKind.Markdown


_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")


def plain(markdown: str) -> str:
    """The hover's Markdown as plain text: no emphasis, no code marks, links as "text (url)"."""
    text = _LINK.sub(lambda m: f"{m[1]} ({m[2]})" if m[1] != m[2] else m[2], markdown)
    return text.replace("**", "").replace("`", "")


def register(server: WorkstreamServer) -> None:
    """Register hover."""
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
