// End-to-end test of the graph view and of runs shown as notifications, in a real VS Code
// (code-server with the built .vsix, headless Chromium; see vscode.test.mjs and harness.mjs).
// Run through extension/scripts/test.sh. WORKSTREAM_E2E_SCREENSHOT_DIR=dir also copies the
// screenshots it takes (screenshot-graph.png, screenshot-progress.png,
// screenshot-groups.png) there, e.g. ../docs.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Session, workstreamText as graphText } from './session.mjs';

const TIMEOUT = 120_000;
const session = new Session('workstream-e2e-graph-');
const { repo } = session;
const check = (body) => session.check(body);
const screenshot = (name) => session.screenshot(name);

// fetch -> build -> package and fetch -> lint -> package: three waves; the sleeps let the test
// see the nodes change colour.
const GRAPH = {
  id: 'ws-graph',
  steps: [
    { id: 'fetch', run: 'sleep 2 && echo fetched > fetch.txt', files: ['fetch.txt'] },
    { id: 'build', run: 'sleep 3 && echo built > build.txt', depends_on: ['fetch'], files: ['build.txt'] },
    { id: 'lint', run: 'echo linted > lint.txt', depends_on: ['fetch'], files: ['lint.txt'] },
    { id: 'package', run: 'echo packaged > package.txt', depends_on: ['build', 'lint'], files: ['package.txt'] },
  ],
};
// A step that saves some work, then sleeps long; its sleep is told apart from any other by its length.
const NAP = `sleep 30.${String(process.pid % 10_000).padStart(4, '0')}`;
// A step group and two steps with candidates: drawn as a cluster and as rows in their steps.
const GROUPS = {
  id: 'ws-groups',
  step_groups: [{ id: 'utils', steps: ['a', 'b'], execute: 'sequential', max_workers: 1 }],
  steps: [
    { id: 'a', run: 'true', files: [] },
    { id: 'b', run: 'true', files: [], depends_on: ['a'] },
    { id: 'd', run: 'true', files: [], candidates: [{ run: 'true' }, { attempts: 2 }] },
  ],
};
const LONG = { id: 'ws-long', steps: [{ id: 'nap', run: `printf wip > wip.txt && ${NAP}`, files: ['wip.txt'] }] };

let page;
let wb;

function napRunning() {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((line) => line.trim() === NAP);
}

/** The graph webview's nodes as {id, label, status, stroke}. */
async function nodes(frame) {
  return frame.$$eval('svg g.node', (els) => els.map((el) => ({
    id: el.getAttribute('data-step'),
    label: el.querySelector('text.step-id')?.textContent,
    status: el.getAttribute('data-status'),
    stroke: getComputedStyle(el.querySelector('rect.box')).stroke,
  })));
}

after(() => session.cleanup());

describe('the graph view and runs as notifications in code-server', { timeout: 10 * 60_000 }, () => {
  let frame;

  before(check(async () => {
    await session.start({ files: { 'graph.workstream.json': graphText(GRAPH), 'long.workstream.json': graphText(LONG) } });
    ({ page, wb } = session);
  }));

  after(() => session.stop());

  it('draws the graph in a webview: an SVG node per step with its id, waves, the critical path, the theme', { timeout: TIMEOUT }, check(async () => {
    await wb.openFile('graph.workstream.json');
    await wb.waitFor('the run lens', async () => (await wb.lensTexts()).some((t) => t.startsWith('▶ Run workstream')), 60_000);
    await wb.runCommand('Workstream: Show Graph');
    frame = await wb.webviewFrame('the graph webview with its nodes', 'svg g.node');
    await wb.waitFor('four nodes', async () => (await nodes(frame)).length === 4);
    const drawn = await nodes(frame);
    assert.deepEqual(drawn.map((n) => [n.id, n.label, n.status]),
      [['fetch', 'fetch', 'none'], ['build', 'build', 'none'], ['lint', 'lint', 'none'], ['package', 'package', 'none']]);
    assert.deepEqual(await frame.$$eval('.wave-label', (els) => els.map((e) => e.textContent)), ['wave 1', 'wave 2', 'wave 3']);
    assert.equal(await frame.$$eval('path.edge', (els) => els.length), 4);
    assert.equal(await frame.$$eval('path.edge.critical', (els) => els.length), 2, 'the critical path: two edges');
    assert.equal(await frame.$$eval('g.node.critical', (els) => els.length), 3, 'the critical path: three steps');
    assert.match(await frame.$eval('#header', (e) => e.textContent), /^ws-graph · 4 steps · 3 waves · critical path: fetch → (build|lint) → package$/);
    // The theme's colours, not ours: VS Code's variables reach the page and its background.
    const theme = await frame.evaluate(() => ({
      variable: getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim(),
      background: getComputedStyle(document.body).backgroundColor,
    }));
    assert.ok(theme.variable, 'VS Code passes --vscode-editor-background to the page');
    assert.notEqual(theme.background, 'rgba(0, 0, 0, 0)', 'the page paints the theme background');
    // All it loads is the installed extension's own two files (dagre bundled in): VS Code's
    // webview resource URLs for a local path, which its service worker answers from disk.
    const sources = await frame.$$eval('script[src], link[href]', (els) => els.map((e) => e.getAttribute('src') ?? e.getAttribute('href')));
    const own = /^https:\/\/[^/]*\.vscode-resource\.vscode-cdn\.net\/.*\/extensions\/workstream\.workstream-[\d.]+\/dist\/graph\.(css|js)$/;
    assert.deepEqual(sources.map((s) => own.exec(s)?.[1]), ['css', 'js'], sources.join(' '));
  }));

  it('runs a step from ▶ on its node and recolours the nodes live; the notification and the status bar agree', { timeout: TIMEOUT }, check(async () => {
    const before = Object.fromEntries((await nodes(frame)).map((n) => [n.id, n.stroke]));
    await frame.locator('g.node[data-step="package"] g.run-button').click();
    const progress = wb.toasts('Workstream ws-graph');
    await progress.first().waitFor({ timeout: 30_000 });
    // While it runs: fetch done and build running, drawn as such.
    await wb.waitFor('fetch succeeded and build running in the graph', async () => {
      const now = Object.fromEntries((await nodes(frame)).map((n) => [n.id, n.status]));
      return now.fetch === 'succeeded' && now.build === 'running';
    });
    // One text for both: the notification says what the status bar says.
    await wb.waitFor('the notification and the status bar with the same counts', async () => {
      const item = await wb.statusItem();
      const toast = (await progress.first().innerText().catch(() => '')).replace(/\s+/g, ' ');
      return item.startsWith('Workstream: ') && /\d\/4 ▶ build/.test(item) && toast.includes(item.slice('Workstream: '.length)) && [item, toast];
    });
    await screenshot('screenshot-graph.png');
    const running = Object.fromEntries((await nodes(frame)).map((n) => [n.id, n.stroke]));
    assert.notEqual(running.fetch, before.fetch, 'a succeeded node is coloured otherwise than one never run');
    assert.notEqual(running.build, running.fetch, 'a running node is coloured otherwise than a succeeded one');
    await wb.waitFor('every node succeeded', async () => (await nodes(frame)).every((n) => n.status === 'succeeded'), 60_000);
    // The summary stays as a notification with its buttons; the status bar keeps the result.
    const summary = wb.toasts('Workstream ws-graph: run succeeded (4 succeeded)');
    await summary.first().waitFor({ timeout: 30_000 });
    assert.deepEqual(await summary.first().locator('.monaco-button').allInnerTexts(), ['Show Log', 'Show Graph']);
    assert.equal(await wb.statusItem(), 'Workstream: ✓ 4/4');
    assert.equal(await wb.toasts('Workstream ws-graph').filter({ hasText: '/4 ▶' }).count(), 0, 'no progress notification left');
    // A run of one step (with what it needs) leaves each step's branch, no result branch.
    assert.equal(execFileSync('git', ['show', 'workstream/ws-graph/step/package:package.txt'], { cwd: repo, encoding: 'utf8' }), 'packaged\n');
  }));

  it('reveals a step in its editor when its node is clicked', { timeout: TIMEOUT }, check(async () => {
    await frame.locator('g.node[data-step="lint"] rect.box').click();
    const line = graphText(GRAPH).split('\n').findIndex((l) => l.includes('"id": "lint"')) + 1;
    await wb.waitFor(`the cursor on the id of lint (line ${line})`, async () => {
      const at = await wb.cursor();
      return at?.line === line && (await page.locator('.tab.active[aria-label^="graph.workstream.json"]').count()) > 0;
    });
  }));

  it('follows edits as they are typed: build made to depend on lint instead of fetch, then undone', { timeout: TIMEOUT }, check(async () => {
    const line = graphText(GRAPH).split('\n').findIndex((l) => l.includes('"depends_on"') ) + 2; // build's "fetch"
    await page.locator('.tab[aria-label^="graph.workstream.json"]').click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Control+Shift+ArrowLeft');
    await page.keyboard.type('lint');
    await wb.waitFor('lint -> build in the graph, four waves', async () => {
      const edges = await frame.$$eval('path.edge', (els) => els.map((e) => `${e.dataset.from}>${e.dataset.to}`));
      const waves = await frame.$$eval('.wave-label', (els) => els.length);
      return edges.includes('lint>build') && !edges.includes('fetch>build') && waves === 4 && edges;
    });
    assert.match(await frame.$eval('#header', (e) => e.textContent), /4 waves · critical path: fetch → lint → build → package/);
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+S');
    await wb.waitFor('the graph as it was, three waves', async () => (await frame.$$eval('.wave-label', (els) => els.length)) === 3);
    await wb.waitFor('the file as committed', async () =>
      execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' }).trim() === '');
  }));

  it('shows progress as a notification whose Cancel stops a long step, saves its work, and ends cancelled', { timeout: TIMEOUT }, check(async () => {
    await wb.openFile('long.workstream.json');
    await wb.waitFor('the run lens', async () => (await wb.lensTexts()).some((t) => t.startsWith('▶ Run workstream')));
    await wb.runCommand('Workstream: Run Workstream');
    const progress = wb.toasts('Workstream ws-long').filter({ hasText: '0/1 ▶ nap' });
    await progress.first().waitFor({ timeout: 30_000 });
    assert.equal(await wb.statusItem(), 'Workstream: 0/1 ▶ nap');
    await wb.waitFor(`the step's ${NAP}`, async () => napRunning());
    await screenshot('screenshot-progress.png');
    await progress.first().locator('.monaco-button', { hasText: 'Cancel' }).click();
    const summary = wb.toasts('Workstream ws-long: run cancelled (1 cancelled)');
    await summary.first().waitFor({ timeout: 30_000 });
    assert.deepEqual(await summary.first().locator('.monaco-button').allInnerTexts(), ['Show Log', 'Show Graph']);
    assert.equal(await wb.statusItem(), 'Workstream: ✗ 1 cancelled (0/1 ✓)');
    await wb.waitFor(`${NAP} stopped`, async () => !napRunning(), 10_000);
    await wb.waitFor('the step lens shown as cancelled', async () => (await wb.lensTexts()).some((t) => t.includes('cancelled')));
    // As Ctrl-C in the command line: the work so far is saved on the step's branch.
    assert.equal(execFileSync('git', ['show', 'workstream/ws-long/step/nap:wip.txt'], { cwd: repo, encoding: 'utf8' }), 'wip');
    // "Show Graph" in the summary opens the graph of that file, the step drawn cancelled.
    await summary.first().locator('.monaco-button', { hasText: 'Show Graph' }).click();
    await wb.waitFor('the graph of ws-long with nap cancelled', async () => {
      for (const f of page.frames()) {
        const header = await f.$eval('#header', (e) => e.textContent).catch(() => '');
        if (header.startsWith('ws-long')) return (await nodes(f)).some((n) => n.id === 'nap' && n.status === 'cancelled');
      }
      return false;
    });
  }));

  it('draws a step group as a cluster around its steps, and a step\'s candidates as rows inside it', { timeout: TIMEOUT }, check(async () => {
    writeFileSync(join(repo, 'groups.workstream.json'), graphText(GROUPS));
    await wb.openFile('groups.workstream.json');
    await wb.waitFor('the run lens', async () => (await wb.lensTexts()).some((t) => t.startsWith('▶ Run workstream')), 60_000);
    await wb.runCommand('Workstream: Show Graph');
    const drawn = await wb.waitFor('the graph of ws-groups with its cluster and candidates', async () => {
      for (const f of page.frames()) {
        const header = await f.$eval('#header', (e) => e.textContent).catch(() => '');
        if (!header.startsWith('ws-groups')) continue;
        const clusters = await f.$$eval('g.cluster', (els) => els.map((e) => [e.getAttribute('data-group'), e.querySelector('text')?.textContent]));
        const rows = await f.$$eval('g.node[data-step="d"] g.candidate', (els) => els.map((e) => e.getAttribute('data-n')));
        return clusters.length && rows.length && { f, clusters, rows };
      }
      return false;
    });
    assert.deepEqual(drawn.clusters, [['utils', 'utils · sequential · max 1']]);
    assert.deepEqual(drawn.rows, ['1', '2', '3'], 'd\'s own run, and the step\'s run twice (attempts 2)');
    // The cluster's box holds a and b, not d.
    const boxes = await drawn.f.evaluate(() => {
      const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
      return Object.fromEntries([['utils', document.querySelector('g.cluster rect')],
        ...['a', 'b', 'd'].map((id) => [id, document.querySelector(`g.node[data-step="${id}"] rect.box`)])].map(([k, el]) => [k, box(el)]));
    });
    const inside = (a, b) => a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3];
    assert.ok(inside(boxes.a, boxes.utils) && inside(boxes.b, boxes.utils), JSON.stringify(boxes));
    assert.ok(!inside(boxes.d, boxes.utils), JSON.stringify(boxes));
    // Run d: the first candidate to pass is chosen (they run at once: either of the first two),
    // its row highlighted with the lens's mark.
    await drawn.f.locator('g.node[data-step="d"] g.run-button').click();
    const after = await wb.waitFor('d run, one candidate selected', async () => {
      const rows = await drawn.f.$$eval('g.node[data-step="d"] g.candidate', (els) => els.map((e) => [e.getAttribute('data-n'), e.getAttribute('data-status'), e.classList.contains('selected')]));
      return rows.filter(([, , selected]) => selected).length === 1 && rows;
    }, 60_000);
    assert.equal(after.find(([, , selected]) => selected)?.[1], 'succeeded', JSON.stringify(after));
    assert.equal(await drawn.f.$eval('g.candidate.selected text.candidate-mark', (e) => e.textContent), '✓');
    await screenshot('screenshot-groups.png');
  }));
});
