/**
 * What the client knows about runs, built only from the server's `workstream/stepStatus`
 * notifications, and the text the status bar shows for them. No VS Code here.
 */

export type StepStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** The params of the `workstream/stepStatus` notification. */
export interface StepStatusParams {
  uri: string;
  workstreamId: string;
  runId: string;
  stepId: string;
  status: StepStatus;
  durationMs?: number | null;
  message?: string | null;
  logPath?: string | null;
}

export interface StepState {
  status: StepStatus;
  durationMs?: number | null;
  message?: string | null;
  logPath?: string | null;
}

export interface RunState {
  runId: string;
  uri: string;
  workstreamId: string;
  /** In the order the server first mentioned each step. */
  steps: Map<string, StepState>;
}

const FINISHED: ReadonlySet<StepStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export function isFinished(status: StepStatus): boolean {
  return FINISHED.has(status);
}

export function isActive(run: RunState): boolean {
  return [...run.steps.values()].some((step) => !isFinished(step.status));
}

/** Runs in the order they started; keeps the last few finished ones for their logs. */
export class Runs {
  private readonly runs = new Map<string, RunState>();

  constructor(private readonly keepFinished = 20) {}

  /** Records one notification; returns the step's previous state (undefined when new). */
  update(params: StepStatusParams): { run: RunState; previous?: StepState } {
    let run = this.runs.get(params.runId);
    if (!run) {
      run = { runId: params.runId, uri: params.uri, workstreamId: params.workstreamId, steps: new Map() };
      this.runs.set(params.runId, run);
      this.prune();
    }
    const previous = run.steps.get(params.stepId);
    run.steps.set(params.stepId, {
      status: params.status,
      durationMs: params.durationMs ?? previous?.durationMs,
      message: params.message ?? previous?.message,
      logPath: params.logPath ?? previous?.logPath,
    });
    return { run, previous };
  }

  active(): RunState[] {
    return [...this.runs.values()].filter(isActive);
  }

  /** The run the status bar shows: the latest active one, else the latest one. */
  current(): RunState | undefined {
    const all = [...this.runs.values()];
    return all.filter(isActive).pop() ?? all.pop();
  }

  /** The newest known log of each step of the workstream at `uri`. */
  logs(uri: string): Map<string, string> {
    const found = new Map<string, string>();
    for (const run of this.runs.values()) {
      if (run.uri !== uri) continue;
      for (const [stepId, step] of run.steps) {
        if (step.logPath) found.set(stepId, step.logPath);
      }
    }
    return found;
  }

  private prune(): void {
    const finished = [...this.runs.values()].filter((run) => !isActive(run));
    for (const run of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) {
      this.runs.delete(run.runId);
    }
  }
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

const ICONS: Record<StepStatus, string> = {
  queued: '…',
  running: '▶',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  cancelled: '■',
};

/** "Workstream: 3/7 ▶ a, b" while running; a summary once every step finished. */
export function renderStatusText(run: RunState, maxNames = 3): string {
  const steps = [...run.steps.entries()];
  const count = (status: StepStatus) => steps.filter(([, s]) => s.status === status).length;
  const done = steps.filter(([, s]) => isFinished(s.status)).length;
  const total = steps.length;
  if (done < total) {
    const running = steps.filter(([, s]) => s.status === 'running').map(([id]) => id);
    const names = running.slice(0, maxNames).join(', ');
    const more = running.length > maxNames ? ` +${running.length - maxNames}` : '';
    return running.length > 0
      ? `Workstream: ${done}/${total} ▶ ${names}${more}`
      : `Workstream: ${done}/${total}`;
  }
  const succeeded = count('succeeded');
  if (succeeded === total) return `Workstream: ✓ ${succeeded}/${total}`;
  const problems = (['failed', 'cancelled', 'skipped'] as const)
    .filter((status) => count(status) > 0)
    .map((status) => `${count(status)} ${status}`);
  return `Workstream: ✗ ${problems.join(', ')} (${succeeded}/${total} ✓)`;
}

/** One line per step, for the status bar's tooltip. */
export function renderStatusTooltip(run: RunState): string {
  const lines = [...run.steps.entries()].map(([id, step]) => {
    const time = step.durationMs != null && isFinished(step.status) ? ` ${formatDuration(step.durationMs)}` : '';
    const message = step.message ? ` — ${step.message}` : '';
    return `${ICONS[step.status]} ${id} ${step.status}${time}${message}`;
  });
  return [`${run.workstreamId} (run ${run.runId})`, ...lines].join('\n');
}

/** The line the output channel shows when a step changes status. */
export function renderStatusLine(params: StepStatusParams): string {
  const time = params.durationMs != null && isFinished(params.status) ? ` in ${formatDuration(params.durationMs)}` : '';
  const message = params.message ? `: ${params.message}` : '';
  return `${ICONS[params.status]} [${params.stepId}] ${params.status}${time}${message}`;
}

/** Splits chunks of a growing log into whole lines, keeping a partial last line. */
export class LineBuffer {
  private rest = '';

  push(chunk: string): string[] {
    const lines = (this.rest + chunk).split(/\r?\n/);
    this.rest = lines.pop() ?? '';
    return lines;
  }

  flush(): string[] {
    const last = this.rest;
    this.rest = '';
    return last === '' ? [] : [last];
  }
}
