/**
 * What the runs view's context menus do: open a step's log or AI transcript, its changes (the
 * step's commit against its start point) or a run's result against its base in VS Code's diff
 * editor, re-run a step, open a kept worktree, and merge a run's result into the current
 * branch after a modal confirmation that lists the commits and files (the server's
 * `workstream.mergeResult`, which refuses a dirty tree or a merge in progress).
 *
 * The diff's two sides come from `workstream-git:` documents, `git show <commit>:<path>` read
 * in the repository by a content provider; the list of files from `git diff --name-status`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { changesCommit, mergeConfirmation, parseNameStatus, shortCommit, type MergePlan } from './runsModel';
import type { CandidateNode, FileNode, RunsNode, RunsTree, StepNode } from './runsTree';
import type { Server } from './server';

const run = promisify(execFile);
export const GIT_SCHEME = 'workstream-git';
const MERGE = 'Merge';

async function git(repo: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'core.quotePath=false', '-c', 'core.fsmonitor=false', '--no-pager', ...args], { cwd: repo, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** `workstream-git:/<path>?{"repo","commit"}`: the file at that commit ('' when it is not there). */
export function gitUri(repo: string, commit: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: GIT_SCHEME, path: `/${path}`, query: JSON.stringify({ repo, commit }) });
}

export class GitContent implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { repo, commit } = JSON.parse(uri.query) as { repo: string; commit: string };
    return git(repo, 'show', `${commit}:${uri.path.slice(1)}`).catch(() => '');
  }
}

/** Opens `old..new` of `repo`: the diff editor for one file, the multi-file changes editor for more. */
async function openChanges(repo: string, old: string, changed: string, title: string): Promise<void> {
  const files = parseNameStatus(await git(repo, 'diff', '--name-status', '-z', '-M', old, changed));
  if (files.length === 0) {
    return void vscode.window.showInformationMessage(`Workstream: ${title}: no changes.`);
  }
  const pairs = files.map((f) => ({
    label: vscode.Uri.file(`${repo}/${f.path}`),
    left: gitUri(repo, old, f.oldPath),
    right: gitUri(repo, changed, f.path),
  }));
  if (pairs.length === 1) {
    await vscode.commands.executeCommand('vscode.diff', pairs[0].left, pairs[0].right, `${files[0].path} (${title})`);
    return;
  }
  await vscode.commands.executeCommand('vscode.changes', title, pairs.map((p) => [p.label, p.left, p.right]));
}

function repoOf(node: FileNode): string | undefined {
  return node.data.repoRoot;
}

/** A step, or one of its candidates (its `step` is the candidate's own log, commits, worktree). */
function isStep(node: unknown): node is StepNode | CandidateNode {
  const kind = typeof node === 'object' && node !== null ? (node as RunsNode).kind : undefined;
  return kind === 'step' || kind === 'candidate';
}

function isFile(node: unknown): node is FileNode {
  return typeof node === 'object' && node !== null && (node as RunsNode).kind === 'file';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function registerRunsActions(server: Server, tree: RunsTree): vscode.Disposable[] {
  const step = (body: (node: StepNode | CandidateNode) => Promise<unknown>) => async (node: unknown) => {
    if (!isStep(node)) return void vscode.window.showInformationMessage('Workstream: pick a step in the Runs view.');
    try {
      await body(node);
    } catch (error) {
      void vscode.window.showErrorMessage(`Workstream: ${errorText(error)}`);
    }
  };
  const file = (body: (node: FileNode) => Promise<unknown>) => async (node: unknown) => {
    if (!isFile(node)) return void vscode.window.showInformationMessage('Workstream: pick a workstream in the Runs view.');
    try {
      await body(node);
    } catch (error) {
      void vscode.window.showErrorMessage(`Workstream: ${errorText(error)}`);
    }
  };
  const open = (path: string | null) => path && vscode.window.showTextDocument(vscode.Uri.file(path), { preview: true });
  return [
    vscode.workspace.registerTextDocumentContentProvider(GIT_SCHEME, new GitContent()),
    vscode.commands.registerCommand('workstream.runs.refresh', () => tree.refresh(0)),
    vscode.commands.registerCommand('workstream.runs.openLog', step(async (n) => open(n.step.log))),
    vscode.commands.registerCommand('workstream.runs.openTranscript', step(async (n) => open(n.step.transcript))),
    vscode.commands.registerCommand('workstream.runs.openChanges', step(async (n) => {
      const repo = repoOf(n.file);
      const commit = changesCommit(n.step);
      if (!repo || !commit || !n.step.startCommit) throw new Error(`${n.step.id} has no commit to show.`);
      await openChanges(repo, n.step.startCommit, commit, `${n.step.id} ${shortCommit(commit)}`);
    })),
    vscode.commands.registerCommand('workstream.runs.rerun', step(async (n) => {
      await vscode.commands.executeCommand('workstream.runStep', n.file.uri.toString(), n.step.id);
    })),
    vscode.commands.registerCommand('workstream.runs.openWorktree', step(async (n) => {
      if (!n.step.worktree) throw new Error(`${n.step.id} has no kept worktree.`);
      await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(n.step.worktree), { forceNewWindow: true });
    })),
    vscode.commands.registerCommand('workstream.runs.openResultChanges', file(async (n) => {
      const repo = repoOf(n);
      const run = n.data.run;
      if (!repo || !run?.resultCommit || !run.baseCommit) throw new Error(`${n.data.workstreamId ?? 'this workstream'} has no result yet.`);
      await openChanges(repo, run.baseCommit, run.resultCommit, `${n.data.workstreamId ?? "workstream"} result ${shortCommit(run.resultCommit)}`);
    })),
    vscode.commands.registerCommand('workstream.runs.mergeResult', file(async (n) => {
      await mergeResult(server, n);
      tree.refresh(0);
    })),
  ];
}

async function mergeCommand(server: Server, uri: vscode.Uri, dryRun: boolean): Promise<MergePlan> {
  const client = server.languageClient;
  if (!client) throw new Error('the language server is not running.');
  return (await client.sendRequest(ExecuteCommandRequest.type, {
    command: 'workstream.mergeResult',
    arguments: [uri.toString(), dryRun],
  })) as MergePlan;
}

/** The dry run, the modal confirmation listing it, then the merge; refusals as one error message. */
export async function mergeResult(server: Server, node: FileNode): Promise<void> {
  let plan: MergePlan;
  try {
    plan = await mergeCommand(server, node.uri, true);
  } catch (error) {
    return void vscode.window.showErrorMessage(`Workstream: ${errorText(error)}`);
  }
  if (plan.alreadyMerged) {
    return void vscode.window.showInformationMessage(`Workstream: the result of ${plan.workstreamId} is already in ${plan.branch}.`);
  }
  const { message, detail } = mergeConfirmation(plan);
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, MERGE);
  if (choice !== MERGE) return;
  try {
    const done = await mergeCommand(server, node.uri, false);
    void vscode.window.showInformationMessage(
      `Workstream: merged the result of ${done.workstreamId} into ${done.branch} (${shortCommit(done.mergedCommit)}).`,
    );
  } catch (error) {
    void vscode.window.showErrorMessage(`Workstream: ${errorText(error)}`);
  }
}
