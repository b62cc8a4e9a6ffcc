/**
 * What the client knows about runs, built only from the server's `workstream/runStatus` and
 * `workstream/stepStatus` notifications, and the text the status bar and the progress
 * notification show for them (the same text: they cannot disagree). No VS Code here.
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

/** The params of the `workstream/runStatus` notification (the server's run_progress.py). */
export interface RunStatusParams {
  uri: string;
  workstreamId: string;
  runId: string;
  /** "started", or the run's final status ("succeeded", "failed", "cancelled"). */
  status: string;
  /** With "started": the steps the run will consider. */
  steps?: string[];
  durationMs?: number | null;
  counts?: Record<string, number>;
  resultBranch?: string | null;
  /** When it ended: the summary line. */
  message?: string | null;
}

/** How a run ended. */
export interface RunOutcome {
  status: string;
  message: string;
  resultBranch?: string | null;
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
  /** Set once `workstream/runStatus` said the run ended. */
  outcome?: RunOutcome;
}

const FINISHED: ReadonlySet<StepStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export function isFinished(status: StepStatus): boolean {
  return FINISHED.has(status);
}

/** True until the run ended (its outcome, else every step finished: a server that sends no runStatus). */
export function isActive(run: RunState): boolean {
  return !run.outcome && [...run.steps.values()].some((step) => !isFinished(step.status));
}

/** Runs in the order they started; keeps the last few finished ones for their logs. */
export class Runs {
  private readonly runs = new Map<string, RunState>();

  constructor(private readonly keepFinished = 20) {}

  /** Records one `workstream/stepStatus`; returns the step's previous state (undefined when new). */
  update(params: StepStatusParams): { run: RunState; previous?: StepState } {
    const run = this.run(params);
    const previous = run.steps.get(params.stepId);
    run.steps.set(params.stepId, {
      status: params.status,
      durationMs: params.durationMs ?? previous?.durationMs,
      message: params.message ?? previous?.message,
      logPath: params.logPath ?? previous?.logPath,
    });
    return { run, previous };
  }

  /** Records one `workstream/runStatus`: its steps (queued) when it starts, its outcome when it ends. */
  updateRun(params: RunStatusParams): RunState {
    const run = this.run(params);
    if (params.status === 'started') {
      for (const stepId of params.steps ?? []) {
        if (!run.steps.has(stepId)) run.steps.set(stepId, { status: 'queued' });
      }
    } else {
      run.outcome = { status: params.status, message: params.message ?? `run ${params.status}`, resultBranch: params.resultBranch };
    }
    return run;
  }

  private run(params: { runId: string; uri: string; workstreamId: string }): RunState {
    let run = this.runs.get(params.runId);
    if (!run) {
      run = { runId: params.runId, uri: params.uri, workstreamId: params.workstreamId, steps: new Map() };
      this.runs.set(params.runId, run);
      this.prune();
    }
    return run;
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

export const ICONS: Record<StepStatus, string> = {
  queued: '·',
  running: '▶',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  cancelled: '■',
};

/** "Workstream: 3/7 ▶ a, b" while running; a summary once every step finished. */
export function renderStatusText(run: RunState, maxNames = 3): string {
  return `Workstream: ${renderProgress(run, maxNames)}`;
}

/** "3/7 ▶ a, b" while running, "✓ 2/2" or "✗ 1 failed (1/2 ✓)" after: the status bar's and
 * the progress notification's text. */
export function renderProgress(run: RunState, maxNames = 3): string {
  const steps = [...run.steps.entries()];
  const count = (status: StepStatus) => steps.filter(([, s]) => s.status === status).length;
  const done = steps.filter(([, s]) => isFinished(s.status)).length;
  const total = steps.length;
  if (isActive(run)) {
    const running = steps.filter(([, s]) => s.status === 'running').map(([id]) => id);
    const names = running.slice(0, maxNames).join(', ');
    const more = running.length > maxNames ? ` +${running.length - maxNames}` : '';
    return running.length > 0 ? `${done}/${total} ▶ ${names}${more}` : `${done}/${total}`;
  }
  const succeeded = count('succeeded');
  const failedRun = run.outcome !== undefined && run.outcome.status !== 'succeeded';
  if (succeeded === total && !failedRun) return `✓ ${succeeded}/${total}`;
  const problems = (['failed', 'cancelled', 'skipped'] as const)
    .filter((status) => count(status) > 0)
    .map((status) => `${count(status)} ${status}`);
  if (problems.length === 0) problems.push(run.outcome?.status ?? 'failed'); // e.g. it failed to start
  return `✗ ${problems.join(', ')} (${succeeded}/${total} ✓)`;
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
