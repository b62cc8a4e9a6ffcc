/**
 * The "Runs" tree of the Workstream activity-bar container: the workstream files of the
 * workspace, each with its steps (status icon in the theme's colours, duration, short commit),
 * and under a step with candidates one row per candidate (runsCandidates.ts).
 * The data is the server's `workstream.runsData`, asked again when a step or a run changes
 * status and when a workstream file changes on disk (debounced).
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { WORKSTREAM_GLOBS } from './files';
import {
  fileContext,
  fileDescription,
  statusIcon,
  stepContext,
  stepDescription,
  stepTooltip,
  type Icon,
  type RunsData,
  type RunsStep,
} from './runsModel';
import {
  candidateContext,
  candidateDescription,
  candidateIcon,
  candidateLabel,
  candidateTooltip,
  candidateUnit,
  stepCandidates,
  type RunsCandidate,
} from './runsCandidates';
import type { Server } from './server';

const REFRESH_MS = 300;

export class FileNode {
  readonly kind = 'file';
  constructor(readonly uri: vscode.Uri, readonly data: RunsData) {}
}

export class StepNode {
  readonly kind = 'step';
  constructor(readonly file: FileNode, readonly step: RunsStep) {}
}

/** One candidate of a step; `step` is the candidate as a unit, so a step's actions apply. */
export class CandidateNode {
  readonly kind = 'candidate';
  readonly step: RunsStep;
  constructor(readonly file: FileNode, readonly parent: RunsStep, readonly candidate: RunsCandidate) {
    this.step = candidateUnit(parent, candidate);
  }
}

export type RunsNode = FileNode | StepNode | CandidateNode;

function themeIcon(icon: Icon): vscode.ThemeIcon {
  return new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
}

export class RunsTree implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly view: vscode.TreeView<RunsNode>;

  constructor(private readonly server: Server) {
    this.view = vscode.window.createTreeView('workstream.runs', { treeDataProvider: this, showCollapseAll: true });
    const watcher = vscode.workspace.createFileSystemWatcher(`{${WORKSTREAM_GLOBS.join(',')}}`);
    this.disposables.push(
      this.view,
      this.changed,
      watcher,
      watcher.onDidChange(() => this.refresh()),
      watcher.onDidCreate(() => this.refresh()),
      watcher.onDidDelete(() => this.refresh()),
      server.onDidStart(() => this.refresh()),
    );
  }

  /** Ask again soon (many statuses in a row make one refresh). */
  refresh(delay = REFRESH_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(undefined), delay);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'file') {
      const { data } = node;
      const item = new vscode.TreeItem(data.workstreamId ?? vscode.workspace.asRelativePath(node.uri), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `file:${node.uri.toString()}`;
      item.description = `${vscode.workspace.asRelativePath(node.uri)} · ${fileDescription(data)}`;
      item.tooltip = [data.file, data.run?.message, data.run?.resultNote].filter(Boolean).join('\n');
      item.iconPath = data.error ? new vscode.ThemeIcon('warning') : themeIcon(statusIcon(data.run?.status ?? null));
      item.contextValue = fileContext(data);
      item.resourceUri = undefined;
      return item;
    }
    if (node.kind === 'candidate') {
      const { parent, candidate } = node;
      const item = new vscode.TreeItem(candidateLabel(candidate), vscode.TreeItemCollapsibleState.None);
      item.id = `candidate:${node.file.uri.toString()}#${parent.id}@${candidate.n}`;
      item.description = candidateDescription(candidate);
      item.tooltip = candidateTooltip(parent, candidate);
      item.iconPath = themeIcon(candidateIcon(candidate));
      item.contextValue = candidateContext(parent, candidate);
      if (candidate.log) item.command = { command: 'workstream.runs.openLog', title: 'Open Log', arguments: [node] };
      return item;
    }
    const { step } = node;
    const folded = stepCandidates(step).length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(step.id, folded);
    item.id = `step:${node.file.uri.toString()}#${step.id}`;
    item.description = stepDescription(step);
    item.tooltip = stepTooltip(step);
    item.iconPath = themeIcon(statusIcon(step.status));
    item.contextValue = stepContext(step);
    if (step.log) item.command = { command: 'workstream.runs.openLog', title: 'Open Log', arguments: [node] };
    return item;
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (node?.kind === 'candidate') return [];
    if (node?.kind === 'step') return stepCandidates(node.step).map((c) => new CandidateNode(node.file, node.step, c));
    if (node?.kind === 'file') return node.data.steps.map((step) => new StepNode(node, step));
    const client = this.server.languageClient;
    if (!client) return [];
    const files = await vscode.workspace.findFiles(`{${WORKSTREAM_GLOBS.join(',')}}`, '**/node_modules/**', 200);
    files.sort((a, b) => a.path.localeCompare(b.path));
    const nodes = await Promise.all(files.map(async (uri) => {
      try {
        const data = (await client.sendRequest(ExecuteCommandRequest.type, {
          command: 'workstream.runsData',
          arguments: [uri.toString()],
        })) as RunsData;
        return new FileNode(uri, data);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return new FileNode(uri, { uri: uri.toString(), file: uri.fsPath, steps: [], run: null, error: message });
      }
    }));
    return nodes;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.disposables.forEach((d) => d.dispose());
  }
}
