/** Unit tests for how a step's candidates read in the runs view (runsCandidates.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  candidateContext,
  candidateDescription,
  candidateIcon,
  candidateLabel,
  candidateTooltip,
  candidateUnit,
  formatScore,
  stepCandidates,
  type RunsCandidate,
} from '../src/runsCandidates';
import { changesCommit, type RunsStep } from '../src/runsModel';

const SHA = 'a'.repeat(40);
const START = 'b'.repeat(40);
const SAVED = 'c'.repeat(40);

function step(overrides: Partial<RunsStep> = {}): RunsStep {
  return {
    id: 'pick', inFile: true, status: 'succeeded', durationMs: 1200, commit: SHA, savedCommit: null, branch: 'workstream/ws/step/pick',
    startCommit: START, log: '/l/pick@2.log', transcript: null, worktree: null, message: 'candidate 2 of 3 chosen', runId: 'r1',
    freshness: 'this run', stale: null, ...overrides,
  };
}

function candidate(overrides: Partial<RunsCandidate> = {}): RunsCandidate {
  return {
    n: 2, label: 'run: echo 10 > out.txt', status: 'succeeded', score: 10, selected: true, branch: 'workstream/ws/candidate/pick/2',
    commit: SHA, savedCommit: null, startCommit: START, log: '/l/pick@2.log', transcript: null, worktree: null, message: '1 file changed',
    durationMs: 400, ...overrides,
  };
}

describe('a candidate in the tree', () => {
  it('shows its number, outcome, score, selection, duration, commit and what it changes', () => {
    assert.equal(candidateLabel(candidate()), 'candidate 2');
    assert.equal(candidateDescription(candidate()), 'succeeded · score 10 · selected · 0.4s · aaaaaaa · run: echo 10 > out.txt');
    assert.equal(candidateDescription(candidate({ selected: false, score: 0.91 })), 'succeeded · score 0.91 · 0.4s · aaaaaaa · run: echo 10 > out.txt');
    assert.equal(
      candidateDescription(candidate({ status: 'failed', score: null, selected: false, commit: null, savedCommit: SAVED })),
      'failed · 0.4s · ccccccc · run: echo 10 > out.txt',
    );
    assert.equal(candidateDescription(candidate({ status: 'cancelled', score: null, selected: false, commit: null, durationMs: null })),
      'cancelled · run: echo 10 > out.txt');
    const defined = candidate({ status: null, score: null, selected: false, commit: null, durationMs: null, log: null, branch: null });
    assert.equal(candidateDescription(defined), 'not run yet · run: echo 10 > out.txt');
  });

  it("offers a step's actions on its own log, transcript, commits and worktree, never a re-run", () => {
    assert.equal(candidateContext(step(), candidate()), 'candidate.log.changes.selected');
    const failed = candidate({ status: 'failed', selected: false, commit: null, savedCommit: SAVED, worktree: '/w/pick@2', transcript: '/l/pick@2.jsonl' });
    assert.equal(candidateContext(step(), failed), 'candidate.log.transcript.changes.worktree');
    const never = candidate({ status: null, selected: false, commit: null, log: null, startCommit: null });
    assert.equal(candidateContext(step({ startCommit: null }), never), 'candidate');
  });

  it('is a unit of work whose changes are its commit against the step\'s start point', () => {
    const failed = candidate({ n: 3, status: 'failed', selected: false, commit: null, savedCommit: SAVED, startCommit: null, worktree: '/w/pick@3', log: '/l/pick@3.log', branch: 'workstream/ws/candidate/pick/3' });
    const unit = candidateUnit(step(), failed);
    assert.equal(unit.id, 'pick candidate 3');
    assert.equal(changesCommit(unit), SAVED);
    assert.equal(unit.startCommit, START); // the step's, when the candidate recorded none
    assert.equal(unit.log, '/l/pick@3.log');
    assert.equal(unit.worktree, '/w/pick@3');
    assert.equal(unit.branch, 'workstream/ws/candidate/pick/3');
    assert.equal(unit.inFile, false);
  });

  it('marks the selected one and says where its work is', () => {
    assert.deepEqual(candidateIcon(candidate()), { id: 'pass-filled', color: 'testing.iconPassed' });
    assert.deepEqual(candidateIcon(candidate({ selected: false, status: 'failed' })), { id: 'error', color: 'testing.iconFailed' });
    const tip = candidateTooltip(step(), candidate({ worktree: '/w/pick@2' }));
    assert.match(tip, /^pick: candidate 2 \(run: echo 10 > out\.txt\)\n/);
    assert.match(tip, /Selected: its commit is the result of pick/);
    assert.match(tip, /Branch: workstream\/ws\/candidate\/pick\/2/);
    assert.match(tip, /Started from: bbbbbbb/);
    assert.match(tip, /Worktree kept: \/w\/pick@2/);
  });

  it("prints a score as Python's :g does", () => {
    assert.equal(formatScore(30), '30');
    assert.equal(formatScore(0.91), '0.91');
    assert.equal(formatScore(-2.5), '-2.5');
    assert.equal(formatScore(1 / 3), '0.333333');
    assert.equal(formatScore(1e7), '1e+7');
  });
});

describe('a step with candidates', () => {
  it('lists them from runsData, none for a plain step', () => {
    assert.deepEqual(stepCandidates(step()), []);
    const listed = [candidate({ n: 1, selected: false }), candidate()];
    assert.deepEqual(stepCandidates({ ...step(), candidates: listed } as RunsStep).map((c) => c.n), [1, 2]);
  });

  it('offers no changes for a candidate that changed nothing', () => {
    assert.equal(candidateContext(step(), candidate({ commit: START })), 'candidate.log.selected');
  });
});
