/** Unit tests for how the runs view reads a step, a run and a merge plan (runsModel.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  fileContext,
  fileDescription,
  mergeConfirmation,
  parseNameStatus,
  statusIcon,
  stepContext,
  stepDescription,
  type MergePlan,
  type RunsStep,
} from '../src/runsModel';

const SHA = 'a'.repeat(40);
const START = 'b'.repeat(40);

function step(overrides: Partial<RunsStep> = {}): RunsStep {
  return {
    id: 's', inFile: true, status: 'succeeded', durationMs: 1200, commit: SHA, savedCommit: null, branch: 'workstream/ws/step/s',
    startCommit: START, log: '/l/s.log', transcript: null, worktree: null, message: '', runId: 'r1', freshness: 'this run', stale: null,
    ...overrides,
  };
}

describe('a step in the tree', () => {
  it('shows its status, duration and short commit', () => {
    assert.equal(stepDescription(step()), 'succeeded · 1.2s · aaaaaaa');
    assert.equal(stepDescription(step({ stale: 'its definition changed' })), 'succeeded · 1.2s · aaaaaaa · changed since');
    assert.equal(stepDescription(step({ status: null, durationMs: null, commit: null })), 'never run');
    assert.equal(stepDescription(step({ status: 'failed', commit: null, savedCommit: START })), 'failed · 1.2s · bbbbbbb');
  });

  it('offers only the actions it has', () => {
    assert.equal(stepContext(step()), 'step.log.changes.rerun');
    assert.equal(stepContext(step({ transcript: '/t.jsonl', worktree: '/w' })), 'step.log.transcript.changes.worktree.rerun');
    assert.equal(stepContext(step({ status: null, log: null, commit: null, startCommit: null })), 'step.rerun');
    assert.equal(stepContext(step({ inFile: false })), 'step.log.changes');
    // No changes: its result is its start point, so no "Open Changes" (it would open no diff).
    assert.equal(stepContext(step({ commit: START })), 'step.log.rerun');
    assert.equal(stepContext(step({ status: 'failed', commit: null, savedCommit: START })), 'step.log.rerun');
  });

  it('draws the status with a codicon in a theme colour', () => {
    assert.deepEqual(statusIcon('succeeded'), { id: 'pass', color: 'testing.iconPassed' });
    assert.deepEqual(statusIcon('failed'), { id: 'error', color: 'testing.iconFailed' });
    assert.equal(statusIcon(null).id, 'circle-large-outline');
  });
});

describe('a file in the tree', () => {
  const data = { uri: 'file:///r/p.workstream.json', file: '/r/p.workstream.json', steps: [], error: null };
  it('shows the run and its result', () => {
    const run = { runId: 'r1', status: 'succeeded' as const, message: '', baseCommit: START, resultBranch: 'b', resultCommit: SHA, resultNote: '' };
    assert.equal(fileDescription({ ...data, run }), 'succeeded · result aaaaaaa');
    assert.equal(fileContext({ ...data, run }), 'run.result');
    assert.equal(fileContext({ ...data, run: { ...run, resultCommit: null } }), 'run');
    assert.equal(fileDescription({ ...data, run: null }), 'no run yet');
    assert.equal(fileDescription({ ...data, run: null, error: 'not in a git repository' }), 'not in a git repository');
  });
});

describe('git output and the merge confirmation', () => {
  it('reads --name-status -z, renames included', () => {
    assert.deepEqual(parseNameStatus('M\0a.txt\0R100\0old.txt\0new.txt\0A\0dir/b c.txt\0'), [
      { status: 'M', path: 'a.txt', oldPath: 'a.txt' },
      { status: 'R', path: 'new.txt', oldPath: 'old.txt' },
      { status: 'A', path: 'dir/b c.txt', oldPath: 'dir/b c.txt' },
    ]);
  });

  it('lists the commits and files, shortened past ten', () => {
    const files = Array.from({ length: 12 }, (_, i) => ({ status: 'A', path: `f${i}.txt` }));
    const plan: MergePlan = {
      workstreamId: 'ws', runId: 'r1', repoRoot: '/repo', branch: 'main', head: START, resultCommit: SHA, resultBranch: 'workstream/ws/result',
      baseCommit: START, commits: [{ sha: SHA, subject: 'step s' }], commitCount: 1, files, fileCount: 12, alreadyMerged: false, mergedCommit: null,
    };
    const { message, detail } = mergeConfirmation(plan);
    assert.equal(message, 'Merge the result of ws (run r1) into main?');
    assert.match(detail, /^git merge --no-ff aaaaaaa \(workstream\/ws\/result\) in \/repo\n\n1 commit:\n {2}aaaaaaa step s\n\n12 files:\n {2}A f0.txt\n/);
    assert.match(detail, / {2}A f9.txt\n {2}… and 2 more$/);
  });
});
