/**
 * The runs view without VS Code: what `workstream.runsData` and `workstream.mergeResult`
 * answer, and how a step or a run reads in the tree (label, description, icon, context value)
 * and in the merge confirmation. runsTree.ts turns these into tree items.
 */
import { formatDuration, type StepStatus } from './runs';

/** One step of `workstream.runsData`: its latest entry (all null when it never ran). */
export interface RunsStep {
  id: string;
  inFile: boolean;
  status: StepStatus | null;
  durationMs: number | null;
  commit: string | null;
  savedCommit: string | null;
  branch: string | null;
  startCommit: string | null;
  log: string | null;
  transcript: string | null;
  worktree: string | null;
  message: string;
  runId: string | null;
  freshness: string | null;
  stale: string | null;
}

export interface RunsRun {
  runId: string;
  status: StepStatus;
  message: string;
  baseCommit: string | null;
  resultBranch: string | null;
  resultCommit: string | null;
  resultNote: string;
}

/** `workstream.runsData [uri]`. */
export interface RunsData {
  uri: string;
  file: string;
  workstreamId?: string;
  repoRoot?: string;
  steps: RunsStep[];
  run: RunsRun | null;
  error: string | null;
}

/** `workstream.mergeResult [uri, dryRun]`. */
export interface MergePlan {
  workstreamId: string;
  runId: string;
  repoRoot: string;
  branch: string;
  head: string;
  resultCommit: string;
  resultBranch: string | null;
  baseCommit: string | null;
  commits: { sha: string; subject: string }[];
  commitCount: number;
  files: { status: string; path: string }[];
  fileCount: number;
  alreadyMerged: boolean;
  mergedCommit: string | null;
}

/** A codicon and the theme colour it is drawn in. */
export interface Icon {
  id: string;
  color?: string;
}

const ICONS: Record<StepStatus, Icon> = {
  queued: { id: 'clock' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  succeeded: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  skipped: { id: 'debug-step-over', color: 'testing.iconSkipped' },
  cancelled: { id: 'circle-slash', color: 'testing.iconErrored' },
};

export function statusIcon(status: StepStatus | null): Icon {
  return status ? ICONS[status] : { id: 'circle-large-outline', color: 'disabledForeground' };
}

export function shortCommit(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '';
}

/** The commit whose changes a step shows: its result, else a failed step's saved work. */
export function changesCommit(step: RunsStep): string | null {
  return step.commit ?? step.savedCommit;
}

/** "succeeded · 1.2s · 3f2a1bc" ("never run"; "· changed since" when stale). */
export function stepDescription(step: RunsStep): string {
  if (!step.status) return 'never run';
  const parts: string[] = [step.status];
  if (step.durationMs != null && step.status !== 'running') parts.push(formatDuration(step.durationMs));
  const commit = shortCommit(changesCommit(step));
  if (commit) parts.push(commit);
  if (step.stale) parts.push('changed since');
  if (!step.inFile) parts.push('no longer in the file');
  return parts.join(' · ');
}

/** What the context menu offers, as flags in the tree item's contextValue ("step.log.changes"). */
export function stepContext(step: RunsStep): string {
  const flags = ['step'];
  if (step.log) flags.push('log');
  if (step.transcript) flags.push('transcript');
  // A step that changed nothing has its start point as its result: there is no diff to open.
  const changes = changesCommit(step);
  if (changes && step.startCommit && changes !== step.startCommit) flags.push('changes');
  if (step.worktree) flags.push('worktree');
  if (step.inFile) flags.push('rerun');
  return flags.join('.');
}

export function stepTooltip(step: RunsStep): string {
  const lines = [`${step.id}: ${stepDescription(step)}`];
  if (step.message) lines.push(step.message);
  if (step.stale) lines.push(`Changed since: ${step.stale}`);
  if (step.branch) lines.push(`Branch: ${step.branch}`);
  if (step.startCommit) lines.push(`Started from: ${shortCommit(step.startCommit)}`);
  if (step.worktree) lines.push(`Worktree kept: ${step.worktree}`);
  return lines.join('\n');
}

/** The file node: "ws-id" with "succeeded · result 3f2a1bc" (or why there is nothing). */
export function fileDescription(data: RunsData): string {
  if (data.error) return data.error;
  const run = data.run;
  if (!run) return 'no run yet';
  const result = run.resultCommit ? ` · result ${shortCommit(run.resultCommit)}` : '';
  return `${run.status}${result}`;
}

export function fileContext(data: RunsData): string {
  return data.run?.resultCommit && data.run.baseCommit ? 'run.result' : 'run';
}

/** The parts of a diff of `git diff --name-status -z` output: status and path (the new path of a rename). */
export function parseNameStatus(out: string): { status: string; path: string; oldPath: string }[] {
  const parts = out.split('\0').filter((part) => part !== '');
  const files: { status: string; path: string; oldPath: string }[] = [];
  for (let i = 0; i < parts.length; ) {
    const status = parts[i++];
    if (/^[RC]/.test(status)) {
      const oldPath = parts[i++];
      const path = parts[i++];
      files.push({ status: status[0], path, oldPath });
    } else {
      const path = parts[i++];
      files.push({ status, path, oldPath: path });
    }
  }
  return files;
}

const LISTED = 10;

/** The confirmation of a merge: the question, and the commits and files it merges. */
export function mergeConfirmation(plan: MergePlan): { message: string; detail: string } {
  const message = `Merge the result of ${plan.workstreamId} (run ${plan.runId}) into ${plan.branch}?`;
  const commits = plan.commits.slice(0, LISTED).map((c) => `  ${shortCommit(c.sha)} ${c.subject}`);
  if (plan.commitCount > LISTED) commits.push(`  … and ${plan.commitCount - LISTED} more`);
  const files = plan.files.slice(0, LISTED).map((f) => `  ${f.status} ${f.path}`);
  if (plan.fileCount > LISTED) files.push(`  … and ${plan.fileCount - LISTED} more`);
  const detail = [
    `git merge --no-ff ${shortCommit(plan.resultCommit)}${plan.resultBranch ? ` (${plan.resultBranch})` : ''} in ${plan.repoRoot}`,
    '',
    `${plan.commitCount} commit${plan.commitCount === 1 ? '' : 's'}:`,
    ...commits,
    '',
    `${plan.fileCount} file${plan.fileCount === 1 ? '' : 's'}:`,
    ...files,
  ].join('\n');
  return { message, detail };
}
