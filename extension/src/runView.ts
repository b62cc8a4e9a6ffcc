/**
 * Shows runs: the status bar item ("Workstream: 3/7 ▶ a, b") and the "Workstream" output
 * channel, where each step's log is followed while it runs. Fed by `workstream/stepStatus`.
 */
import { open } from 'node:fs/promises';
import * as vscode from 'vscode';
import {
  LineBuffer,
  Runs,
  isActive,
  isFinished,
  renderStatusLine,
  renderStatusText,
  renderStatusTooltip,
  type StepStatusParams,
} from './runs';

const POLL_MS = 250;
const SUMMARY_MS = 15_000;

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
  private hideTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor() {
    this.item.name = 'Workstream Run';
    this.item.command = 'workstream.showOutput';
  }

  onStepStatus = (params: StepStatusParams): void => {
    const { run, previous } = this.runs.update(params);
    this.render();
    // Output goes through one queue so a step's last log lines come before its result line.
    this.writing = this.writing.then(async () => {
      if (!previous && run.steps.size === 1) {
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
    clearTimeout(this.hideTimer);
    if (!run) {
      this.item.hide();
      return;
    }
    const active = this.runs.active().length > 0;
    void vscode.commands.executeCommand('setContext', 'workstream.runActive', active);
    this.item.text = renderStatusText(run);
    this.item.tooltip = renderStatusTooltip(run);
    this.item.show();
    if (!isActive(run)) this.hideTimer = setTimeout(() => this.item.hide(), SUMMARY_MS);
  }

  dispose(): void {
    clearTimeout(this.hideTimer);
    this.tails.forEach((tail) => void tail.finish());
    this.item.dispose();
    this.output.dispose();
  }
}
