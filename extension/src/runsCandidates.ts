/**
 * A step's candidates in the runs view, without VS Code: what `workstream.runsData` answers
 * for each (one per candidate and attempt, numbered from 1 as the state numbers them) and how
 * one reads as a child of its step: "candidate 2" with "succeeded · score 10 · selected ·
 * 0.4s · 3f2a1bc", the step's status icon (a filled one for the selected), and the actions a
 * step has (log, transcript, changes against the step's start point, kept worktree) as the
 * flags of its context value. runsTree.ts turns these into tree items.
 */
import { formatDuration, type StepStatus } from './runs';
import { changesCommit, shortCommit, statusIcon, type Icon, type RunsStep } from './runsModel';

/** One candidate of a step in `workstream.runsData` (all null but n and label before a run). */
export interface RunsCandidate {
  n: number;
  label: string;
  status: StepStatus | null;
  score: number | null;
  selected: boolean;
  branch: string | null;
  commit: string | null;
  savedCommit: string | null;
  startCommit: string | null;
  log: string | null;
  transcript: string | null;
  worktree: string | null;
  message: string;
  durationMs: number | null;
}

/** A step with candidates: one per candidate and attempt (`candidates` in runsData's step). */
export function stepCandidates(step: RunsStep): RunsCandidate[] {
  const listed = (step as RunsStep & { candidates?: unknown }).candidates;
  return Array.isArray(listed) ? (listed as RunsCandidate[]) : [];
}

export function candidateLabel(candidate: RunsCandidate): string {
  return `candidate ${candidate.n}`;
}

/** The candidate as a unit of work with a step's fields, so the step's actions apply to it. */
export function candidateUnit(step: RunsStep, candidate: RunsCandidate): RunsStep {
  return {
    ...step,
    id: `${step.id} ${candidateLabel(candidate)}`,
    inFile: false, // a candidate is not re-run alone
    status: candidate.status,
    durationMs: candidate.durationMs,
    commit: candidate.commit,
    savedCommit: candidate.savedCommit,
    branch: candidate.branch,
    startCommit: candidate.startCommit ?? step.startCommit,
    log: candidate.log,
    transcript: candidate.transcript,
    worktree: candidate.worktree,
    message: candidate.message,
  };
}

/** "succeeded · score 10 · selected · 0.4s · 3f2a1bc · run: make fast" ("not run yet · …"). */
export function candidateDescription(candidate: RunsCandidate): string {
  const parts: string[] = [candidate.status ?? 'not run yet'];
  if (candidate.score != null) parts.push(`score ${formatScore(candidate.score)}`);
  if (candidate.selected) parts.push('selected');
  if (candidate.durationMs != null && candidate.status !== 'running') parts.push(formatDuration(candidate.durationMs));
  const commit = shortCommit(candidate.commit ?? candidate.savedCommit);
  if (commit) parts.push(commit);
  if (candidate.label) parts.push(candidate.label);
  return parts.join(' · ');
}

/** A number as Python's `:g` prints it (10, 0.91, 1e+06). */
export function formatScore(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) < 1e6) return String(score);
  const text = score.toPrecision(6);
  return text.includes('e') ? text.replace(/\.?0+e/, 'e') : text.replace(/\.?0+$/, '');
}

/** Its flags, as a step's ("candidate.log.changes.worktree"); never "rerun". */
export function candidateContext(step: RunsStep, candidate: RunsCandidate): string {
  const unit = candidateUnit(step, candidate);
  const flags = ['candidate'];
  if (unit.log) flags.push('log');
  if (unit.transcript) flags.push('transcript');
  const changes = changesCommit(unit);
  if (changes && unit.startCommit && changes !== unit.startCommit) flags.push('changes'); // none: no diff
  if (unit.worktree) flags.push('worktree');
  if (candidate.selected) flags.push('selected');
  return flags.join('.');
}

export function candidateIcon(candidate: RunsCandidate): Icon {
  return candidate.selected ? { id: 'pass-filled', color: 'testing.iconPassed' } : statusIcon(candidate.status);
}

export function candidateTooltip(step: RunsStep, candidate: RunsCandidate): string {
  const lines = [`${step.id}: ${candidateLabel(candidate)} (${candidate.label || 'as the step'})`, candidateDescription(candidate)];
  if (candidate.selected) lines.push(`Selected: its commit is the result of ${step.id}`);
  if (candidate.message) lines.push(candidate.message);
  if (candidate.branch) lines.push(`Branch: ${candidate.branch}`);
  const start = candidate.startCommit ?? step.startCommit;
  if (start) lines.push(`Started from: ${shortCommit(start)}`);
  if (candidate.worktree) lines.push(`Worktree kept: ${candidate.worktree}`);
  return lines.join('\n');
}
