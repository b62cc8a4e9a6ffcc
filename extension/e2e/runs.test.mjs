// End-to-end test of the runs view (the Workstream activity-bar container) in a real VS Code
// (code-server with the built .vsix, headless Chromium; see vscode.test.mjs and harness.mjs):
// after a run it lists the steps with their statuses, a step's "Open Changes" opens the diff
// editor, and "Merge Result into Current Branch…" (confirmed in its modal) lands the result on
// the user's branch, after refusing while the tree is dirty. WORKSTREAM_E2E_SCREENSHOT_DIR=dir
// also copies its screenshot (screenshot-runs.png) there, e.g. ../docs.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepository } from './fixtures.mjs';
import { isolatedEnv, launchBrowser, startCodeServer } from './harness.mjs';
import { Workbench } from './workbench.mjs';

const PYTHON = process.env.WORKSTREAM_PYTHON || 'python3';
const TIMEOUT = 120_000;
const root = mkdtempSync(join(tmpdir(), 'workstream-e2e-runs-'));
const repo = join(root, 'repo');
const settings = {
  'workstream.python': PYTHON,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'editor.minimap.enabled': false,
};

// notes edits the README, then more adds a file on top of it.
const RUNS = {
  id: 'ws-review',
  steps: [
    { id: 'notes', run: 'printf "\\nNotes from the notes step.\\n" >> README.md', files: ['README.md'] },
    { id: 'more', run: 'echo more > more.txt', depends_on: ['notes'], files: ['more.txt'] },
  ],
};

let codeServer;
let browser;
let page;
let wb;
let failed = false;
let env;
const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();

function check(body) {
  return async () => {
    try {
      await body();
    } catch (error) {
      failed = true;
      await page?.screenshot({ path: join(root, `failure-${Date.now()}.png`) }).catch(() => undefined);
      throw error;
    }
  };
}

async function screenshot(name) {
  const path = join(root, name);
  await page.screenshot({ path });
  if (process.env.WORKSTREAM_E2E_SCREENSHOT_DIR) copyFileSync(path, join(process.env.WORKSTREAM_E2E_SCREENSHOT_DIR, name));
}

/** The rows of the Runs tree: label, description and the codicon of each. */
function rows() {
  return page.locator('.pane-body .monaco-list-row').evaluateAll((els) => els
    .filter((el) => el.closest('[id="workbench.view.extension.workstream"]'))
    .map((el) => ({
      label: el.querySelector('.label-name')?.textContent ?? '',
      description: el.querySelector('.label-description')?.textContent ?? '',
      icon: [...(el.querySelector('.custom-view-tree-node-item-icon')?.classList ?? [])].find((c) => c.startsWith('codicon-')) ?? '',
    })));
}

function row(label) {
  return page.locator('.pane-body .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
}

async function contextMenu(label, item) {
  await row(label).first().click({ button: 'right' });
  const entry = page.locator('.monaco-menu .action-item', { hasText: item }).first();
  await entry.waitFor({ timeout: 10_000 });
  await entry.click();
}

after(() => {
  if (failed || process.env.WORKSTREAM_E2E_KEEP) console.log(`e2e files kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
});

describe('the runs view in code-server', { timeout: 10 * 60_000 }, () => {
  before(check(async () => {
    env = isolatedEnv(join(root, 'git-env'));
    makeRepository(repo, env);
    writeFileSync(join(repo, 'review.workstream.json'), `${JSON.stringify(RUNS, null, 2)}\n`);
    git('add', '.');
    git('commit', '-q', '-m', 'runs fixture');
    codeServer = await startCodeServer(root, repo, settings);
    browser = await launchBrowser(root);
    page = browser.pages()[0] ?? (await browser.newPage());
    wb = new Workbench(page);
    await page.goto(codeServer.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  }));

  after(async () => {
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
  });

  it('lists the steps of a run with their statuses, durations and commits', { timeout: TIMEOUT }, check(async () => {
    await wb.openFile('review.workstream.json');
    await wb.waitFor('the run lens', async () => (await wb.lensTexts()).some((t) => t.startsWith('▶ Run workstream')), 60_000);
    await page.locator('.activitybar .action-item a[aria-label^="Workstream"]').first().click();
    await wb.waitFor('ws-review in the runs view, never run', async () => {
      const now = await rows();
      return now.some((r) => r.label === 'notes' && r.description === 'never run') && now;
    }, 60_000);
    await wb.runCommand('Workstream: Run Workstream');
    await wb.toasts('Workstream ws-review: run succeeded').first().waitFor({ timeout: 60_000 });
    const listed = await wb.waitFor('both steps succeeded in the view', async () => {
      const now = await rows();
      const steps = now.filter((r) => ['notes', 'more'].includes(r.label));
      return steps.length === 2 && steps.every((r) => /^succeeded · \d+\.\ds · [0-9a-f]{7}$/.test(r.description)) && now;
    });
    const file = listed.find((r) => r.label === 'ws-review');
    assert.match(file.description, /^review\.workstream\.json · succeeded · result [0-9a-f]{7}$/);
    assert.deepEqual(listed.filter((r) => ['notes', 'more'].includes(r.label)).map((r) => r.icon), ['codicon-pass', 'codicon-pass']);
    assert.equal(listed.find((r) => r.label === 'ws-slow').description, 'slow.workstream.json · no run yet');
    const more = listed.find((r) => r.label === 'more');
    assert.equal(more.description.slice(-7), git('rev-parse', '--short=7', 'workstream/ws-review/step/more'));
  }));

  it("opens a step's changes in the diff editor", { timeout: TIMEOUT }, check(async () => {
    // Its inline action (the same command is in its context menu).
    await row('notes').first().hover();
    await row('notes').first().locator('.actions .action-label[aria-label^="Open Changes"]').click();
    const diff = page.locator('.monaco-diff-editor');
    // Monaco draws spaces as no-break spaces.
    const side = async (which) => (await diff.first().locator(`.editor.${which} .view-lines`).innerText()).replace(/\u00a0/g, ' ');
    await diff.first().waitFor({ timeout: 30_000 }).catch(async (error) => {
      console.log('toasts:', await page.locator('.notifications-toasts').allInnerTexts());
      throw error;
    });
    await wb.waitFor('the diff tab of README.md', () => page.locator('.tab.active[aria-label*="README.md"]').count());
    await wb.waitFor('the added line on the right side', async () =>
      (await side('modified')).includes('Notes from the notes step.'));
    assert.ok((await side('original')).includes('# scratch repository') && !(await side('original')).includes('Notes from'),
      'the left side is the start point');
    await screenshot('screenshot-runs.png');
  }));

  it('refuses to merge into a dirty tree, then merges the result after the confirmation', { timeout: TIMEOUT }, check(async () => {
    const head = git('rev-parse', 'HEAD');
    const result = git('rev-parse', 'workstream/ws-review/result');
    writeFileSync(join(repo, 'README.md'), '# edited by the user\n');
    await contextMenu('ws-review', 'Merge Result into Current Branch');
    await wb.toasts('uncommitted changes').first().waitFor({ timeout: 30_000 });
    assert.equal(git('rev-parse', 'HEAD'), head, 'a refusal changes nothing');
    assert.equal(git('status', '--porcelain'), 'M README.md');
    git('checkout', '--', 'README.md');

    await contextMenu('ws-review', 'Merge Result into Current Branch');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /Merge the result of ws-review \(run [^)]+\) into main\?/);
    assert.match(text, /git merge --no-ff [0-9a-f]{7} \(workstream\/ws-review\/result\)/);
    assert.match(text, /M README\.md/);
    assert.match(text, /A more\.txt/);
    assert.match(text, /\d+ commits?:/);
    await dialog.locator('.monaco-button', { hasText: /^Merge$/ }).click();
    await wb.toasts('merged the result of ws-review into main').first().waitFor({ timeout: 30_000 });
    assert.equal(git('rev-parse', 'HEAD^1'), head);
    assert.equal(git('rev-parse', 'HEAD^2'), result);
    assert.equal(git('symbolic-ref', '--short', 'HEAD'), 'main');
    assert.equal(git('show', 'HEAD:more.txt'), 'more');
    assert.equal(git('status', '--porcelain'), '');
  }));
});
