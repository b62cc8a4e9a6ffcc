/**
 * "Workstream: Show Graph": a webview panel per workstream file that draws its DAG (the page
 * is dist/graph.js, bundled with dagre: nothing is fetched, it works offline). The data is the
 * server's `workstream.graphData`, asked again whenever the document changes, a run of it
 * reports a step, or the server restarts; so the graph follows edits and runs live. A click on
 * a node reveals the step in its editor, its ▶ runs the step (`workstream.runStep`).
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import type { GraphData } from './graphLayout';
import type { Server } from './server';

/** Quiet time before asking again (edits and step events come in bursts). */
const REFRESH_MS = 120;
/** How often to ask again while the server's answer is older than the document. */
const STALE_RETRIES = 10;

type FromPage = { type: 'ready' } | { type: 'reveal'; id: string } | { type: 'run'; id: string };

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 32 }, () => chars[Math.floor(Math.random() * chars.length)]).join('');
}

class GraphPanel implements vscode.Disposable {
  private data: GraphData | undefined;
  private timer: NodeJS.Timeout | undefined;
  private asking = false;
  private again = false;
  private stale = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly uri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    private readonly server: Server,
    extensionUri: vscode.Uri,
    onDispose: () => void,
  ) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [dist] };
    const n = nonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'graph.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'graph.css'));
    webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${n}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Workstream graph</title></head>
<body><div id="header">Loading the graph…</div><div id="legend"></div><div id="error"></div><div id="graph"></div>
<script nonce="${n}" src="${script.toString()}"></script></body></html>`;
    this.disposables.push(
      webview.onDidReceiveMessage((message: FromPage) => void this.onMessage(message)),
      panel.onDidDispose(() => {
        this.dispose();
        onDispose();
      }),
    );
  }

  /** Ask the server for the graph again soon. */
  refresh(delay = REFRESH_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.ask(), delay);
  }

  private async ask(): Promise<void> {
    if (this.asking) {
      this.again = true;
      return;
    }
    this.asking = true;
    try {
      const client = this.server.languageClient;
      if (!client) {
        await this.panel.webview.postMessage({ type: 'error', message: 'The Workstream language server is not running.' });
        return;
      }
      const data = (await client.sendRequest(ExecuteCommandRequest.type, {
        command: 'workstream.graphData',
        arguments: [this.uri.toString()],
      })) as GraphData;
      this.data = data;
      await this.panel.webview.postMessage({ type: 'graph', data });
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.uri.toString());
      if (document && document.version > data.version && this.stale++ < STALE_RETRIES) this.refresh(300);
      else this.stale = 0;
    } catch (error) {
      // Not analysed yet, or closed: say so, and try again on the next change.
      const message = error instanceof Error ? error.message : String(error);
      await this.panel.webview.postMessage({ type: 'error', message: `The graph is not available: ${message}` });
      if (this.stale++ < STALE_RETRIES) this.refresh(500);
    } finally {
      this.asking = false;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    }
  }

  private async onMessage(message: FromPage): Promise<void> {
    if (message.type === 'ready') return this.refresh(0);
    const node = this.data?.nodes.find((n) => n.id === message.id);
    if (!node) return;
    if (message.type === 'run') {
      await vscode.commands.executeCommand('workstream.runStep', this.uri.toString(), node.id);
      return;
    }
    const range = node.range
      ? new vscode.Range(node.range.start.line, node.range.start.character, node.range.end.line, node.range.end.character)
      : undefined;
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.uri.toString());
    const column = shown?.viewColumn ?? (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
    const editor = await vscode.window.showTextDocument(this.uri, { viewColumn: column, preserveFocus: false, preview: false });
    if (range) {
      editor.selection = new vscode.Selection(range.start, range.end);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.disposables.forEach((d) => d.dispose());
    this.disposables.length = 0;
  }
}

/** The graph panels, one per workstream file. */
export class GraphPanels implements vscode.Disposable {
  private readonly panels = new Map<string, GraphPanel>();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly server: Server, private readonly extensionUri: vscode.Uri) {
    this.disposables = [
      vscode.workspace.onDidChangeTextDocument((event) => this.changed(event.document.uri.toString())),
      vscode.workspace.onDidOpenTextDocument((document) => this.changed(document.uri.toString())),
      server.onDidStart(() => this.panels.forEach((panel) => panel.refresh(300))),
    ];
  }

  /** Opens (or reveals) the graph of the workstream file at `uri`. */
  show(uri: vscode.Uri): void {
    const key = uri.toString();
    const open = this.panels.get(key);
    if (open) {
      open.panel.reveal(undefined, true);
      open.refresh(0);
      return;
    }
    const name = uri.path.split('/').pop() ?? 'workstream';
    const panel = vscode.window.createWebviewPanel(
      'workstream.graph',
      `Graph: ${name}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] },
    );
    this.panels.set(key, new GraphPanel(uri, panel, this.server, this.extensionUri, () => this.panels.delete(key)));
  }

  /** A run of `uri` changed (a step's status, its start or end): draw its new statuses. */
  changed = (uri: string): void => {
    this.panels.get(uri)?.refresh();
  };

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.panels.forEach((panel) => panel.panel.dispose());
  }
}
