/** Unit tests for the run state and the status texts (runs.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { LineBuffer, Runs, formatDuration, isActive, renderProgress, renderStatusLine, renderStatusText, renderStatusTooltip, type StepStatus } from '../src/runs';

function runWith(statuses: Record<string, StepStatus>, runId = 'r1', runs = new Runs()) {
  for (const [stepId, status] of Object.entries(statuses)) {
    runs.update({ uri: 'file:///w.workstream.json', workstreamId: 'ws', runId, stepId, status });
  }
  return runs;
}

describe('renderStatusText', () => {
  it('shows progress and the running steps', () => {
    const runs = runWith({ a: 'running', b: 'running', c: 'succeeded', d: 'succeeded', e: 'skipped', f: 'queued', g: 'queued' });
    assert.equal(renderStatusText(runs.current()!), 'Workstream: 3/7 ▶ a, b');
  });

  it('shortens a long list of running steps', () => {
    const runs = runWith({ a: 'running', b: 'running', c: 'running', d: 'running', e: 'running' });
    assert.equal(renderStatusText(runs.current()!), 'Workstream: 0/5 ▶ a, b, c +2');
  });

  it('shows only the count while nothing runs yet', () => {
    assert.equal(renderStatusText(runWith({ a: 'queued' }).current()!), 'Workstream: 0/1');
  });

  it('summarises a finished run', () => {
    assert.equal(renderStatusText(runWith({ a: 'succeeded', b: 'succeeded' }).current()!), 'Workstream: ✓ 2/2');
    assert.equal(
      renderStatusText(runWith({ a: 'succeeded', b: 'failed', c: 'skipped' }).current()!),
      'Workstream: ✗ 1 failed, 1 skipped (1/3 ✓)',
    );
  });
});

describe('runStatus', () => {
  const uri = 'file:///w.workstream.json';
  const base = { uri, workstreamId: 'ws', runId: 'r1' };

  it('knows every step from the start, so the counts are right at once', () => {
    const runs = new Runs();
    const run = runs.updateRun({ ...base, status: 'started', steps: ['a', 'b', 'c'] });
    assert.equal(renderStatusText(run), 'Workstream: 0/3');
    runs.update({ ...base, stepId: 'a', status: 'running' });
    assert.equal(renderProgress(run), '0/3 ▶ a');
    assert.equal(renderStatusText(run), `Workstream: ${renderProgress(run)}`, 'the status bar and the notification agree');
  });

  it('ends with the outcome, even with steps never reported', () => {
    const runs = new Runs();
    const run = runs.updateRun({ ...base, status: 'started', steps: ['a', 'b'] });
    runs.update({ ...base, stepId: 'a', status: 'cancelled' });
    assert.ok(isActive(run));
    runs.updateRun({ ...base, status: 'cancelled', message: 'Workstream ws: run cancelled (1 cancelled) in 1.0 s.' });
    assert.ok(!isActive(run));
    assert.equal(run.outcome?.message, 'Workstream ws: run cancelled (1 cancelled) in 1.0 s.');
    assert.equal(renderStatusText(run), 'Workstream: ✗ 1 cancelled (0/2 ✓)');
    assert.deepEqual(runs.active(), []);
  });

  it('says a run that could not start failed', () => {
    const runs = new Runs();
    const run = runs.updateRun({ ...base, status: 'failed', message: 'Workstream run failed to start: locked' });
    assert.equal(renderStatusText(run), 'Workstream: ✗ failed (0/0 ✓)');
  });
});

describe('Runs', () => {
  it('follows status changes and keeps the log path and duration once sent', () => {
    const runs = new Runs();
    const uri = 'file:///w.workstream.json';
    runs.update({ uri, workstreamId: 'ws', runId: 'r1', stepId: 'a', status: 'running', logPath: '/logs/a.log' });
    const { previous } = runs.update({ uri, workstreamId: 'ws', runId: 'r1', stepId: 'a', status: 'succeeded', durationMs: 2400 });
    assert.equal(previous?.status, 'running');
    const step = runs.current()!.steps.get('a')!;
    assert.deepEqual([step.status, step.logPath, step.durationMs], ['succeeded', '/logs/a.log', 2400]);
    assert.deepEqual([...runs.logs(uri)], [['a', '/logs/a.log']]);
    assert.deepEqual([...runs.logs('file:///other.json')], []);
  });

  it('shows the latest active run and lists active ones', () => {
    const runs = runWith({ a: 'running' }, 'r1');
    runWith({ a: 'succeeded' }, 'r2', runs);
    assert.equal(runs.current()!.runId, 'r1');
    assert.deepEqual(runs.active().map((r) => r.runId), ['r1']);
    runWith({ a: 'cancelled' }, 'r1', runs);
    assert.equal(runs.current()!.runId, 'r2');
    assert.deepEqual(runs.active(), []);
  });

  it('forgets old finished runs but never an active one', () => {
    const runs = new Runs(2);
    runWith({ a: 'running' }, 'active', runs);
    for (const id of ['f1', 'f2', 'f3', 'f4']) runWith({ a: 'succeeded' }, id, runs);
    runWith({ a: 'queued' }, 'last', runs);
    assert.deepEqual(runs.active().map((r) => r.runId), ['active', 'last']);
    assert.equal(runs.logs('file:///w.workstream.json').size, 0);
  });
});

describe('texts', () => {
  it('formats durations', () => {
    assert.equal(formatDuration(2400), '2.4s');
    assert.equal(formatDuration(65_000), '1m 05s');
  });

  it('renders a status line and a tooltip', () => {
    const params = { uri: 'u', workstreamId: 'ws', runId: 'r', stepId: 'a', status: 'failed' as const, durationMs: 1500, message: 'exit 2' };
    assert.equal(renderStatusLine(params), '✗ [a] failed in 1.5s: exit 2');
    const runs = new Runs();
    runs.update(params);
    assert.equal(renderStatusTooltip(runs.current()!), 'ws (run r)\n✗ a failed 1.5s — exit 2');
  });
});

describe('LineBuffer', () => {
  it('returns whole lines and keeps the partial one until flushed', () => {
    const lines = new LineBuffer();
    assert.deepEqual(lines.push('one\ntw'), ['one']);
    assert.deepEqual(lines.push('o\r\nthree'), ['two']);
    assert.deepEqual(lines.flush(), ['three']);
    assert.deepEqual(lines.flush(), []);
  });
});
