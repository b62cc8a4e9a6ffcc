/**
 * Shows runs: a progress notification with Cancel while a run goes on, one status bar item
 * with the same text ("Workstream: 3/7 ▶ a, b"; the run's summary after it, until the next
 * run), a summary notification with "Show Log" and "Show Graph" when it ends, and the
 * "Workstream" output channel, where each step's log is followed while it runs. Fed by
 * `workstream/runStatus` and `workstream/stepStatus`.
 */
import { open } from 'node:fs/promises';
import * as vscode from 'vscode';
import {
  LineBuffer,
  Runs,
  isFinished,
  renderProgress,
  renderStatusLine,
  renderStatusText,
  renderStatusTooltip,
  type RunState,
  type RunStatusParams,
  type StepStatusParams,
} from './runs';

const POLL_MS = 250;
const SHOW_LOG = 'Show Log';
const SHOW_GRAPH = 'Show Graph';

/** The progress notification of one run: its text is the status bar's, Cancel cancels the run. */
class RunNotification {
  private report: ((text: string, percent: number) => void) | undefined;
  private close: (() => void) | undefined;
  private percent = 0;
  private text = '';

  constructor(run: RunState) {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Workstream ${run.workstreamId}`, cancellable: true },
      (progress, token) => new Promise<void>((resolve) => {
        this.close = resolve;
        token.onCancellationRequested(() => {
          void vscode.commands.executeCommand('workstream.cancelRun', run.runId);
          resolve();
        });
        this.report = (text, percent) => {
          progress.report({ message: text, increment: Math.max(0, percent - this.percent) });
          this.percent = Math.max(this.percent, percent);
        };
        this.update(run);
      }),
    );
  }

  update(run: RunState): void {
    const steps = [...run.steps.values()];
    const percent = steps.length ? (100 * steps.filter((step) => isFinished(step.status)).length) / steps.length : 0;
    const text = renderProgress(run);
    if (text === this.text && percent <= this.percent) return;
    this.text = text;
    this.report?.(text, percent);
  }

  dispose(): void {
    this.close?.();
  }
}

/** Follows one growing log file and appends its new lines to the channel. */
class LogTail {
  private offset = 0;
  private readonly lines = new LineBuffer();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly prefix: string,
    private readonly output: vscode.OutputChannel,
  ) {
    this.timer = setInterval(() => void this.read(), POLL_MS);
  }

  /** Reads what is left, then stops. */
  async finish(): Promise<void> {
    clearInterval(this.timer);
    await this.read();
    this.lines.flush().forEach((line) => this.output.appendLine(this.prefix + line));
  }

  private read(): Promise<void> {
    this.reading = this.reading.then(async () => {
      const file = await open(this.path, 'r').catch(() => undefined);
      if (!file) return;
      try {
        const buffer = Buffer.alloc(64 * 1024);
        for (;;) {
          const { bytesRead } = await file.read(buffer, 0, buffer.length, this.offset);
          if (bytesRead === 0) break;
          this.offset += bytesRead;
          this.lines.push(buffer.toString('utf8', 0, bytesRead)).forEach((line) => this.output.appendLine(this.prefix + line));
        }
      } finally {
        await file.close();
      }
    });
    return this.reading;
  }
}

export class RunView implements vscode.Disposable {
  readonly runs = new Runs();
  readonly output = vscode.window.createOutputChannel('Workstream');
  private readonly item = vscode.window.createStatusBarItem('workstream.run', vscode.StatusBarAlignment.Left, 10);
  private readonly tails = new Map<string, LogTail>();
  private readonly notifications = new Map<string, RunNotification>();
  /** Runs whose first line the output channel has. */
  private readonly announced = new Set<string>();
  private writing: Promise<void> = Promise.resolve();

  constructor() {
    this.item.name = 'Workstream Run';
    this.item.command = 'workstream.showOutput';
  }

  /** `workstream/runStatus`: the progress notification when a run starts, the summary when it ends. */
  onRunStatus = (params: RunStatusParams): void => {
    const run = this.runs.updateRun(params);
    if (params.status === 'started') {
      if (!this.notifications.has(run.runId)) this.notifications.set(run.runId, new RunNotification(run));
    } else {
      this.notifications.get(run.runId)?.dispose();
      this.notifications.delete(run.runId);
      void this.summarise(run, params.message ?? `Workstream ${run.workstreamId}: run ${params.status}.`);
    }
    this.render();
  };

  /** The summary of a finished run; it has buttons (and is sticky when the run failed: an error). */
  private async summarise(run: RunState, message: string): Promise<void> {
    await this.writing; // the output channel has the steps' last lines first
    this.output.appendLine(`── ${message}`);
    this.announced.delete(run.runId);
    const status = run.outcome?.status;
    const show = status === 'succeeded'
      ? vscode.window.showInformationMessage
      : status === 'cancelled'
        ? vscode.window.showWarningMessage
        : vscode.window.showErrorMessage;
    const choice = await show(message, SHOW_LOG, SHOW_GRAPH);
    if (choice === SHOW_LOG) this.output.show();
    if (choice === SHOW_GRAPH) await vscode.commands.executeCommand('workstream.showGraph', run.uri);
  }

  onStepStatus = (params: StepStatusParams): void => {
    const { run, previous } = this.runs.update(params);
    this.notifications.get(run.runId)?.update(run);
    this.render();
    // Output goes through one queue so a step's last log lines come before its result line.
    this.writing = this.writing.then(async () => {
      if (!this.announced.has(run.runId)) {
        this.announced.add(run.runId);
        this.output.appendLine(`── ${run.workstreamId}: run ${run.runId}`);
        this.output.show(true);
      }
      const key = `${params.runId}\u0000${params.stepId}`;
      const prefix = `[${params.stepId}] `;
      if (isFinished(params.status)) {
        const tail = this.tails.get(key) ?? (params.logPath ? new LogTail(params.logPath, prefix, this.output) : undefined);
        this.tails.delete(key);
        await tail?.finish();
      }
      if (previous?.status !== params.status) this.output.appendLine(renderStatusLine(params));
      if (params.status === 'running' && params.logPath && !this.tails.has(key)) {
        this.tails.set(key, new LogTail(params.logPath, prefix, this.output));
      }
    }).catch((error: unknown) => this.output.appendLine(`(a step log could not be read: ${String(error)})`));
  };

  private render(): void {
    const run = this.runs.current();
    if (!run) {
      this.item.hide();
      return;
    }
    const active = this.runs.active().length > 0;
    void vscode.commands.executeCommand('setContext', 'workstream.runActive', active);
    this.item.text = renderStatusText(run);
    this.item.tooltip = renderStatusTooltip(run);
    this.item.show(); // after the run too, with its summary, until the next one
  }

  dispose(): void {
    this.notifications.forEach((notification) => notification.dispose());
    this.tails.forEach((tail) => void tail.finish());
    this.item.dispose();
    this.output.dispose();
  }
}
