/**
 * Starting, restarting and stopping the language server, and the few things the client adds
 * on its way: filling in a command's missing arguments (palette, editor title) and hiding run
 * lenses in an untrusted workspace.
 *
 * initializationOptions sent to the server (the server reads exactly these):
 *   trusted: boolean
 *     false in an untrusted workspace: the server refuses run commands.
 *   (no omitDiagnosticCodes: workstream files are a language of their own here, `workstream`,
 *   which VS Code's JSON service never sees, so every finding — syntax (WS001) and schema
 *   (WS002) mistakes included — is the server's, shown once; the server also answers the
 *   schema's hover and completion, formats and folds.)
 *   clientCommands: string[]
 *     commands this client runs itself, which the server may put in its lenses:
 *     ["workstream.showStepLog", "workstream.showProblems"] (a step's status lens opens its
 *     log; "✗ fix N errors to run" opens the Problems panel).
 *   clientShowsRuns: true
 *     this client shows runs itself from `workstream/runStatus` and `workstream/stepStatus`
 *     (a progress notification with Cancel, a summary with buttons: runView.ts), so the
 *     server sends no `$/progress` for runs (the language client would only show a spinner
 *     in the status bar) and no summary message.
 *   cluster: string, remote: string
 *     the `workstream.cluster` and `workstream.remote` settings (empty: none), where runs go;
 *     sent again by `workspace/didChangeConfiguration` when they change (clusterSettings.ts).
 */
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  type LanguageClientOptions,
  type Middleware,
} from 'vscode-languageclient/node';
import { clusterSettings, type ClusterSettings } from './clusterSettings';
import { WORKSTREAM_GLOBS } from './files';
import { activeInterpreter } from './python';
import { showRefusal } from './commands';
import { refusalMessage } from './refusals';
import type { RunStatusParams, StepStatusParams } from './runs';
import { classifyProbe, resolveServerCommand, type ProbeResult, type ServerCommand } from './serverCommand';

export const RUN_COMMANDS: ReadonlySet<string> = new Set(['workstream.runStep', 'workstream.runWorkstream']);

export interface InitializationOptions extends ClusterSettings {
  trusted: boolean;
  clientCommands: string[];
  clientShowsRuns: boolean;
}

/** What the server tells about runs. */
export interface RunEvents {
  onStepStatus(params: StepStatusParams): void;
  onRunStatus(params: RunStatusParams): void;
}

export function initializationOptions(): InitializationOptions {
  return {
    trusted: vscode.workspace.isTrusted,
    clientCommands: ['workstream.showStepLog', 'workstream.showProblems'],
    clientShowsRuns: true,
    ...currentClusterSettings(),
  };
}

/** `workstream.cluster` and `workstream.remote` for the first workspace folder. */
function currentClusterSettings(): ClusterSettings {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const config = vscode.workspace.getConfiguration('workstream', folder?.uri);
  return clusterSettings((key) => config.get(key));
}

/** Fills in what a command from the palette or the editor title lacks (it gets no or a Uri argument). */
export type ArgumentFiller = (command: string, args: unknown[]) => Promise<unknown[] | undefined>;

export class Server implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly started = new vscode.EventEmitter<void>();
  /** Fires each time a server has started (a graph view asks it again). */
  readonly onDidStart = this.started.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly events: RunEvents,
    private readonly fillArguments: ArgumentFiller,
  ) {}

  get languageClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** (Re)starts the server; calls are serialised so two restarts never overlap. */
  restart(): Promise<void> {
    this.queue = this.queue.then(() => this.stopNow()).then(() => this.startNow()).catch((error: unknown) => {
      this.log.error(`Starting the server failed: ${String(error)}`);
      void vscode.window.showErrorMessage(`Workstream: the language server did not start: ${String(error)}`, 'Show Log')
        .then((choice) => choice && this.log.show());
    });
    return this.queue;
  }

  /** Tells a running server the new `workstream.cluster` / `workstream.remote` (the next
   * run goes there; a run in progress keeps its cluster). A stopped server reads them at
   * its next start. */
  async clusterSettingsChanged(): Promise<void> {
    const client = this.languageClient;
    if (!client) return;
    const workstream = currentClusterSettings();
    this.log.info(`cluster settings: ${JSON.stringify(workstream)}`);
    await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { workstream } });
  }

  async dispose(): Promise<void> {
    await this.queue;
    await this.stopNow();
    this.started.dispose();
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await vscode.commands.executeCommand('setContext', 'workstream.serverRunning', false);
    if (client) await client.dispose(2000).catch(() => undefined);
  }

  private async startNow(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const config = vscode.workspace.getConfiguration('workstream', folder?.uri);
    const settings = { command: config.get<string[]>('server.command', []), python: config.get<string>('python', '') };
    const fromPythonExtension = settings.command.length === 0 && settings.python.trim() === '';
    const server = resolveServerCommand(
      settings,
      { workspaceFolder: folder?.uri.fsPath, userHome: homedir() },
      fromPythonExtension ? await activeInterpreter(folder?.uri) : undefined,
    );
    this.log.info(`Server command (from ${server.source}): ${[server.command, ...server.args].join(' ')}`);
    if (server.python && !(await this.probe(server))) return;

    const options = initializationOptions();
    this.log.info(`initializationOptions: ${JSON.stringify(options)}`);
    const clientOptions: LanguageClientOptions = {
      documentSelector: WORKSTREAM_GLOBS.flatMap((pattern) => [
        { scheme: 'file', pattern },
        { scheme: 'untitled', pattern },
      ]),
      outputChannel: this.log,
      initializationOptions: options,
      middleware: this.middleware(),
    };
    const client = new LanguageClient(
      'workstream',
      'Workstream Language Server',
      { command: server.command, args: server.args, options: { cwd: folder?.uri.fsPath } },
      clientOptions,
    );
    client.onNotification('workstream/stepStatus', (params: StepStatusParams) => this.events.onStepStatus(params));
    client.onNotification('workstream/runStatus', (params: RunStatusParams) => this.events.onRunStatus(params));
    client.onDidChangeState(({ newState }) =>
      vscode.commands.executeCommand('setContext', 'workstream.serverRunning', newState === State.Running),
    );
    this.client = client;
    await client.start();
    this.started.fire();
  }

  /** Runs `<python> -m workstream --version`; tells the user what is missing when it fails. */
  private async probe(server: ServerCommand): Promise<boolean> {
    const python = server.python ?? server.command;
    const result = await new Promise<ProbeResult>((resolve) =>
      execFile(python, ['-m', 'workstream', '--version'], { timeout: 30_000 }, (error, _stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        resolve({
          errorCode: typeof code === 'string' ? code : undefined,
          exitCode: error ? (typeof code === 'number' ? code : 1) : 0,
          stderr: String(stderr),
        });
      }),
    );
    const verdict = classifyProbe(result);
    if (verdict.kind === 'ok') return true;
    const where = `${python} (from ${server.source})`;
    const message =
      verdict.kind === 'python-missing'
        ? `Workstream: the Python interpreter ${where} was not found. Set "workstream.python" to one where the workstream package is installed.`
        : verdict.kind === 'module-missing'
          ? `Workstream: the workstream package is not installed for ${where}. Install it there (\`${python} -m pip install workstream\`) or set "workstream.python" to another interpreter.`
          : `Workstream: ${python} -m workstream failed: ${verdict.detail}`;
    this.log.error(message);
    void vscode.window.showErrorMessage(message, 'Installation Docs', 'Open Settings').then((choice) => {
      if (choice === 'Installation Docs') {
        void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(this.extensionUri, 'README.md'));
      } else if (choice === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'workstream.');
      }
    });
    return false;
  }

  private middleware(): Middleware {
    return {
      executeCommand: async (command, args, next) => {
        if (RUN_COMMANDS.has(command) && !vscode.workspace.isTrusted) {
          void vscode.window.showWarningMessage('Workstream: running steps needs a trusted workspace.');
          return undefined;
        }
        const filled = await this.fillArguments(command, args);
        if (!filled) return undefined;
        const client = this.client;
        if (!RUN_COMMANDS.has(command) || !client) return next(command, filled);
        try {
          return await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: filled });
        } catch (error) {
          const refused = refusalMessage(error);
          if (refused === undefined) throw error;
          void showRefusal(refused, this.log);
          return undefined;
        }
      },
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        if (!lenses || vscode.workspace.isTrusted) return lenses;
        return lenses.filter((lens) => !lens.command || !RUN_COMMANDS.has(lens.command.command));
      },
    };
  }
}
