/**
 * The client's side of the commands: completing the arguments of the server's commands when
 * they come from the palette or the editor title, Show Graph (graphPanel.ts), Show Step Log, and the one
 * notification of a refused run.
 */
import * as vscode from 'vscode';
import { isWorkstreamPath } from './files';
import type { GraphPanels } from './graphPanel';
import { namesErrors } from './refusals';
import type { Runs } from './runs';
import type { Server } from './server';

/** The argument as a URI string: lenses send strings, editor-title menus send a Uri. */
function uriArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.toString();
  const editor = vscode.window.activeTextEditor;
  return editor && isWorkstreamPath(editor.document.uri.path) ? editor.document.uri.toString() : undefined;
}

/** The steps the server offers to run in `uri`, read from its own "Run step" lenses. */
async function pickStep(uri: string): Promise<string | undefined> {
  const lenses =
    (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', vscode.Uri.parse(uri), 100)) ?? [];
  const steps = lenses
    .filter((lens) => lens.command?.command === 'workstream.runStep' && typeof lens.command.arguments?.[1] === 'string')
    .map((lens) => ({ line: lens.range.start.line, id: lens.command!.arguments![1] as string }));
  const cursor = vscode.window.activeTextEditor?.document.uri.toString() === uri
    ? vscode.window.activeTextEditor.selection.active.line
    : -1;
  const here = steps.filter((step) => step.line <= cursor).pop();
  const items = steps.map((step) => ({ label: step.id, picked: step === here }));
  if (here) items.unshift(items.splice(steps.indexOf(here), 1)[0]);
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Step to run (with the dependencies it still needs)' }))?.label;
}

function noWorkstream(): undefined {
  void vscode.window.showInformationMessage('Workstream: open a workstream file first.');
  return undefined;
}

export function argumentFiller(runs: Runs) {
  return async (command: string, args: unknown[]): Promise<unknown[] | undefined> => {
    switch (command) {
      case 'workstream.runWorkstream':
      case 'workstream.graph': {
        const uri = uriArgument(args[0]);
        return uri ? [uri, ...args.slice(1)] : noWorkstream();
      }
      case 'workstream.runStep': {
        const uri = uriArgument(args[0]);
        if (!uri) return noWorkstream();
        const step = typeof args[1] === 'string' ? args[1] : await pickStep(uri);
        return step ? [uri, step, ...args.slice(2)] : undefined;
      }
      case 'workstream.cancelRun': {
        const runId = typeof args[0] === 'string' ? args[0] : runs.active().pop()?.runId;
        if (!runId) void vscode.window.showInformationMessage('Workstream: no run in progress.');
        return runId ? [runId] : undefined;
      }
      default:
        return args;
    }
  };
}

/** Opens the graph view of the workstream file (the active editor's when no argument). */
export function showGraph(server: Server, graphs: GraphPanels, arg?: unknown): void {
  const uri = uriArgument(arg);
  if (!server.languageClient) return void vscode.window.showWarningMessage('Workstream: the language server is not running.');
  if (!uri) return noWorkstream();
  graphs.show(vscode.Uri.parse(uri));
}

/** Opens the log of a step: `[uri, stepId, logPath?]` from a lens, else a pick among known logs. */
export async function showStepLog(runs: Runs, uriArg?: unknown, stepArg?: unknown, pathArg?: unknown): Promise<void> {
  let path = typeof pathArg === 'string' ? pathArg : undefined;
  const uri = uriArgument(uriArg);
  if (!path && !uri) return noWorkstream();
  if (!path && uri) {
    const logs = runs.logs(uri);
    const step = typeof stepArg === 'string'
      ? stepArg
      : logs.size === 1
        ? [...logs.keys()][0]
        : await vscode.window.showQuickPick([...logs.keys()], { placeHolder: 'Step whose log to open' });
    path = step ? logs.get(step) : undefined;
    if (!path && logs.size === 0) {
      return void vscode.window.showInformationMessage('Workstream: no step log yet in this session; run a step first.');
    }
  }
  if (path) await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: true });
}

const SHOW_PROBLEMS = 'Show Problems';

/** The one notification of a refused run; "Show Problems" when errors are why. */
export async function showRefusal(message: string, log: vscode.LogOutputChannel): Promise<void> {
  log.info(`Run refused: ${message}`);
  const buttons = namesErrors(message) ? [SHOW_PROBLEMS] : [];
  const choice = await vscode.window.showWarningMessage(`Workstream: ${message}`, ...buttons);
  if (choice === SHOW_PROBLEMS) await showProblems();
}

/** Opens the Problems panel (also the command of the "✗ fix N errors to run" lens). */
export async function showProblems(): Promise<void> {
  await vscode.commands.executeCommand('workbench.actions.view.problems');
}
