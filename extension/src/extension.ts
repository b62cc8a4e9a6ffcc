/**
 * The Workstream extension: a thin client. It starts the language server (which does all the
 * work), forwards its commands and shows its runs. See server.ts for the initializationOptions.
 */
import * as vscode from 'vscode';
import { argumentFiller, showGraph, showProblems, showStepLog } from './commands';
import { WORKSTREAM_GLOBS, isWorkstreamPath } from './files';
import { GraphPanels } from './graphPanel';
import { onInterpreterChange } from './python';
import { registerRunsActions } from './runsActions';
import { RunsTree } from './runsTree';
import { RunView } from './runView';
import { CLUSTER_KEYS } from './clusterSettings';
import { Server } from './server';

const RESTART_SETTINGS = ['workstream.server.command', 'workstream.python'];

let server: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Workstream Language Server', { log: true });
  const view = new RunView();
  let graphs: GraphPanels | undefined;
  let tree: RunsTree | undefined;
  server = new Server(context.extensionUri, log, {
    onStepStatus: (params) => {
      view.onStepStatus(params);
      graphs?.changed(params.uri);
      tree?.refresh();
    },
    onRunStatus: (params) => {
      view.onRunStatus(params);
      graphs?.changed(params.uri);
      tree?.refresh();
    },
  }, argumentFiller(view.runs));
  const s = server;
  graphs = new GraphPanels(s, context.extensionUri);
  const g = graphs;
  tree = new RunsTree(s);
  context.subscriptions.push(tree, ...registerRunsActions(s, tree));
  let restartTimer: NodeJS.Timeout | undefined;
  const restartSoon = () => {
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => void s.restart(), 500);
  };
  context.subscriptions.push(
    log,
    view,
    g,
    vscode.commands.registerCommand('workstream.restartServer', () => s.restart()),
    vscode.commands.registerCommand('workstream.showGraph', (uri?: unknown) => showGraph(s, g, uri)),
    vscode.commands.registerCommand('workstream.showStepLog', (...args: unknown[]) => showStepLog(view.runs, ...args)),
    vscode.commands.registerCommand('workstream.showOutput', () => view.output.show()),
    vscode.commands.registerCommand('workstream.showProblems', () => showProblems()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RESTART_SETTINGS.some((key) => e.affectsConfiguration(key))) restartSoon();
      else if (CLUSTER_KEYS.some((key) => e.affectsConfiguration(key))) void s.clusterSettingsChanged();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(restartSoon),
  );
  const interpreterWatch = await onInterpreterChange(restartSoon);
  if (interpreterWatch) context.subscriptions.push(interpreterWatch);

  // Activation also happens on any JSON file: start only once a workstream file is around.
  const found = await vscode.workspace.findFiles(`{${WORKSTREAM_GLOBS.join(',')}}`, '**/node_modules/**', 1);
  if (found.length > 0 || vscode.workspace.textDocuments.some((d) => isWorkstreamPath(d.uri.path))) {
    await s.restart();
    return;
  }
  const waiting = vscode.workspace.onDidOpenTextDocument((document) => {
    if (!isWorkstreamPath(document.uri.path)) return;
    waiting.dispose();
    void s.restart();
  });
  context.subscriptions.push(waiting);
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
}
