// End-to-end test of the extension in a real VS Code: code-server with the built .vsix, driven
// by headless Chromium. Run through extension/scripts/test.sh, which sets CODE_SERVER,
// NODE24_BIN, WORKSTREAM_VSIX and WORKSTREAM_PYTHON. Every file it writes is in one temporary
// folder, removed at the end (kept, and its path printed, when a test failed).
// WORKSTREAM_E2E_SCREENSHOT=path also copies the screenshot taken after the run there.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Session } from './session.mjs';

const TIMEOUT = 90_000;

const session = new Session('workstream-e2e-');
const { root, repo } = session;
let current = session; // the session whose page the tests drive
let page;

/** Polls `probe` until it returns a truthy value; fails with `what` and the last value seen. */
async function waitFor(what, probe, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await page.waitForTimeout(250);
  }
}

/** Runs a test body (or a hook); on failure keeps a screenshot and the logs in the temporary folder. */
function check(body) {
  return async () => current.check(body)();
}

async function openFile(name) {
  await page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`).dblclick({ timeout: 30_000 });
  await waitFor(`the editor tab of ${name}`, () => page.locator(`.tab.active[aria-label^="${name}"]`).count());
}

async function closeFile(name) {
  const tab = page.locator(`.tab[aria-label^="${name}"]`);
  await tab.click({ button: 'middle' }); // closes it (the palette's "Close Editor" could match "Close Editor Group")
  await waitFor(`the tab of ${name} closed`, async () => (await page.locator(`.tab[aria-label^="${name}"]`).count()) === 0);
}

function lensTexts() {
  return page.locator('.monaco-editor .codelens-decoration').allInnerTexts();
}

/** The Problems panel as [{file, label, text}]: each row with the file it is listed under. */
async function problems() {
  const rows = [];
  let file;
  const found = await page.locator('.markers-panel .monaco-list-row')
    .evaluateAll((els) => els.map((e) => [e.getAttribute('aria-label') ?? '', e.innerText]));
  for (const [label, text] of found) {
    const header = /problems? in file (\S+)/.exec(label);
    if (header) file = header[1];
    else rows.push({ file, label, text });
  }
  return rows;
}

/** "line:character" of a Problems row. */
function position(label) {
  const match = / at line (\d+) and character (\d+)/.exec(label);
  return match ? `${match[1]}:${match[2]}` : label;
}

async function showProblems() {
  if (!(await page.locator('.markers-panel').isVisible())) await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel').waitFor();
}

async function hidePanel() {
  if (await page.locator('.markers-panel').isVisible()) await page.keyboard.press('Control+J');
  await waitFor('the panel hidden', async () => !(await page.locator('.markers-panel').isVisible()));
}

async function runCommand(title) {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Changes a setting in the Settings editor, as a user does: `change` gets the setting's row. */
async function changeSetting(id, change) {
  await runCommand('Preferences: Open User Settings');
  const editor = page.locator('.settings-editor');
  await editor.waitFor();
  await editor.locator('.search-container .monaco-editor').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`@id:${id}`);
  const row = editor.locator('.setting-item-contents');
  await waitFor(`the setting ${id} alone`, async () => (await row.count()) === 1);
  const file = join(current.codeServer.userData, 'User', 'settings.json');
  const before = readFileSync(file, 'utf8');
  await change(row);
  await waitFor(`${id} written to settings.json`, async () => readFileSync(file, 'utf8') !== before);
  await page.keyboard.press('Escape');
  if (await editor.isVisible()) await page.keyboard.press('Escape');
}

/** The extension's "Workstream Language Server" log of the code-server using `userData`. */
function serverLog(userData = current.codeServer.userData) {
  const logs = join(userData, 'logs');
  const found = [];
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).forEach((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name === 'Workstream Language Server.log' && found.push(join(dir, e.name)));
  walk(logs);
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}

after(() => session.cleanup());

describe('the Workstream extension in code-server', { timeout: 10 * 60_000 }, () => {
  before(check(async () => {
    await session.start();
    page = session.page;
  }));

  after(() => session.stop());

  it('shows a missing dependency: squiggle, Problems row with WS102, "✗ fix 1 error to run" instead of run lenses', { timeout: TIMEOUT }, check(async () => {
    await openFile('missing-dep.workstream.json');
    await waitFor('the "✗ fix 1 error to run" lens', async () => (await lensTexts()).includes('✗ fix 1 error to run'));
    assert.deepEqual((await lensTexts()).filter((t) => /run/i.test(t)), ['✗ fix 1 error to run'], 'no run lens on a file that cannot run');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached' });
    await showProblems();
    const rows = await waitFor('the WS102 row', async () => {
      const found = (await problems()).filter((r) => r.file === 'missing-dep.workstream.json');
      return found.some((r) => r.label.includes('WS102') || r.label.includes("depends on 'setpu'")) && found;
    });
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'WS102' });
    assert.match(await row.innerText(), /Step 'build' depends on 'setpu', which is not defined\. Did you mean 'setup'\?/);
    assert.deepEqual(rows.map((r) => position(r.label)), ['13:22'], 'exactly one problem, at "setpu"');
  }));

  it('refuses to run a file with errors: one notification naming the first, Show Problems, nothing logged at error level', { timeout: TIMEOUT }, check(async () => {
    await page.locator('.tab[aria-label^="missing-dep.workstream.json"]').click();
    await runCommand('Notifications: Clear All Notifications');
    const errorsLogged = () => serverLog().split('\n').filter((line) => /\[error\]|Traceback/.test(line));
    const before = errorsLogged().length;
    await hidePanel();
    await runCommand('Workstream: Run Workstream');
    const toasts = page.locator('.notifications-toasts .notification-list-item');
    const refusal = toasts.filter({ hasText: 'cannot run' });
    await refusal.first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2000); // a second notification would come within this
    const texts = await toasts.allInnerTexts();
    assert.equal(texts.length, 1, `one notification: ${JSON.stringify(texts)}`);
    assert.match(texts[0], /missing-dep\.workstream\.json has 1 error and cannot run; the first, at 13:22: Step 'build' depends on 'setpu', which is not defined\. Did you mean 'setup'\? \[WS102\]/);
    await page.screenshot({ path: join(root, 'screenshot-refused-run.png') });
    await refusal.locator('.monaco-button', { hasText: 'Show Problems' }).click();
    await page.locator('.markers-panel').waitFor();
    assert.deepEqual(errorsLogged().slice(before), [], 'nothing at error level in the log');
    // The lens opens the Problems panel too.
    await hidePanel();
    await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'fix 1 error to run' }).first().click();
    await page.locator('.markers-panel').waitFor();
    assert.equal(await page.locator('.tab[aria-label^="missing-dep.workstream.json"]').count(), 1);
  }));

  it('shows a misspelt property of a copied sample once, as the server\'s error with its "did you mean"', { timeout: TIMEOUT }, check(async () => {
    await openFile('copied-sample.workstream.json');
    await openFile('old-schema.workstream.json');
    await showProblems();
    const message = "Unknown property 'max_worker' in 'execution'. Did you mean 'max_workers'?";
    const ours = (rows, file) => rows.filter((r) => r.file === file && r.text.includes(message));
    await waitFor('the WS002 row of both files', async () => {
      const rows = await problems();
      return ours(rows, 'copied-sample.workstream.json').length && ours(rows, 'old-schema.workstream.json').length;
    });
    await page.waitForTimeout(2000); // a late duplicate would arrive within the debounce
    const rows = await problems();
    // The copy without $schema: that one row and nothing else (VS Code's JSON service adds no warning).
    const copied = rows.filter((r) => r.file === 'copied-sample.workstream.json');
    assert.deepEqual(copied.map((r) => position(r.label)), ['5:18'], JSON.stringify(copied, null, 1));
    assert.match(copied[0].label, /^Error: /, `an error, not a warning: ${copied[0].label}`);
    assert.match(copied[0].label, /generated by workstream/);
    assert.match(copied[0].text, /WS002/);
    // With the old relative $schema: VS Code may say it cannot load it, but the mistake is still ours, once.
    const old = rows.filter((r) => r.file === 'old-schema.workstream.json' && !/schema/i.test(r.text.split('\n')[0].replace(message, '')));
    assert.deepEqual(old.map((r) => position(r.label)), ['6:18'], JSON.stringify(rows.filter((r) => r.file === 'old-schema.workstream.json'), null, 1));
    assert.match(old[0].label, /^Error: /);
    // The squiggle in the editor is an error's.
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached' });
    await page.screenshot({ path: join(root, 'screenshot-misspelt-property.png') });
    // Closed, their rows leave the Problems panel (which shows only the rows that fit).
    await closeFile('old-schema.workstream.json');
    await closeFile('copied-sample.workstream.json');
    await waitFor('their rows gone', async () => !(await problems()).some((r) => /copied-sample|old-schema/.test(r.file)));
  }));

  it('shows each mistake once in the Problems panel, as the server\'s (VS Code\'s JSON service never sees the file)', { timeout: TIMEOUT }, check(async () => {
    await openFile('schema-mistake.workstream.json');
    await openFile('syntax-mistake.workstream.json');
    await showProblems();
    // Each mistake once: the schema one (line 7, "two"), WS103 (line 8), the missing comma.
    const expected = { 'schema-mistake.workstream.json': ['7:18', '8:22'], 'syntax-mistake.workstream.json': ['7:7'] };
    const seen = await waitFor('the rows of both files', async () => {
      const rows = await problems();
      const byFile = Object.fromEntries(Object.keys(expected).map((f) => [f, rows.filter((r) => r.file === f)]));
      const complete = Object.entries(expected).every(([f, want]) => want.every((p) => byFile[f].some((r) => position(r.label) === p)));
      return complete && byFile;
    });
    await page.waitForTimeout(2000); // a late duplicate would arrive within the debounce
    const rows = await problems();
    for (const [file, want] of Object.entries(expected)) {
      const got = rows.filter((r) => r.file === file).map((r) => position(r.label)).sort();
      assert.deepEqual(got, [...want].sort(), `${file}: ${JSON.stringify(seen[file].map((r) => r.label), null, 1)}`);
    }
    // The schema mistake is the server's (WS002, an error), not VS Code's JSON service's warning.
    const schemaRow = rows.find((r) => r.file === 'schema-mistake.workstream.json' && position(r.label) === '7:18');
    assert.match(schemaRow.label, /^Error: .*generated by workstream/, schemaRow.label);
    assert.match(schemaRow.text, /WS002/);
  }));

  it('runs a workstream from its lens: status bar, ✓ status lenses, step logs, result branch', { timeout: TIMEOUT }, check(async () => {
    await openFile('hello.workstream.json');
    await waitFor('the run lens', async () => (await lensTexts()).some((t) => t.startsWith('▶ Run workstream')));
    await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run workstream' }).first().click();

    const statusItem = page.locator('.statusbar-item', { hasText: 'Workstream:' });
    await waitFor('"Workstream: 0/2 ▶ greet" in the status bar', async () =>
      (await statusItem.allInnerTexts()).some((t) => t.includes('Workstream: 0/2 ▶ greet')));
    await waitFor('both status lenses at ✓', async () => {
      const steps = (await lensTexts()).filter((t) => t.startsWith('▶ Run step'));
      return steps.length === 2 && steps.every((t) => t.includes('✓'));
    });
    await waitFor('"Workstream: ✓ 2/2" in the status bar', async () =>
      (await statusItem.allInnerTexts()).some((t) => t.includes('Workstream: ✓ 2/2')));
    const output = page.locator('.panel .monaco-editor .view-lines');
    await waitFor('both step logs in the "Workstream" output channel', async () => {
      const text = (await output.allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
      return text.includes('[greet] wrote a.txt') && text.includes('[answer] wrote b.txt') && text.includes('✓ [answer] succeeded');
    });

    const shot = join(root, 'screenshot-run.png');
    await page.screenshot({ path: shot });
    if (process.env.WORKSTREAM_E2E_SCREENSHOT) copyFileSync(shot, process.env.WORKSTREAM_E2E_SCREENSHOT);

    // The run happened in git, not only on screen: the result branch holds both files.
    const show = (path) => execFileSync('git', ['show', `workstream/ws-hello/result:${path}`], { cwd: repo, encoding: 'utf8' });
    assert.equal(show('a.txt'), 'hi\n');
    assert.equal(show('b.txt'), 'there\n');
  }));

  it('shows the graph from the command palette in a webview, not as text in an editor', { timeout: TIMEOUT }, check(async () => {
    await page.locator('.tab[aria-label^="hello.workstream.json"]').click();
    await runCommand('Workstream: Show Graph');
    await page.locator('.tab[aria-label^="Graph: hello.workstream.json"]').waitFor({ timeout: 30_000 });
    await waitFor('its nodes greet and answer', async () => {
      for (const frame of page.frames()) {
        const ids = await frame.$$eval('svg g.node', (els) => els.map((e) => e.getAttribute('data-step'))).catch(() => []);
        if (ids.join() === 'greet,answer') return true;
      }
      return false;
    });
    assert.equal(await page.locator('.tab[aria-label*="Untitled"]').count(), 0, 'no untitled editor');
    await closeFile('Graph: hello.workstream.json'); // the graph view itself is e2e/graph.test.mjs
  }));

  it('opens a step log from the command palette', { timeout: TIMEOUT }, check(async () => {
    await page.locator('.tab[aria-label^="hello.workstream.json"]').click();
    await runCommand('Workstream: Show Step Log');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'answer' }).click();
    await waitFor('the log of step "answer" in an editor', async () => {
      const text = (await page.locator('.editor-group-container .monaco-editor .view-lines').allInnerTexts()).join('\n');
      return text.replace(/\u00a0/g, ' ').includes('$ echo there > b.txt && echo wrote b.txt');
    });
  }));

  it('runs and cancels from the command palette', { timeout: TIMEOUT }, check(async () => {
    await openFile('slow.workstream.json');
    await waitFor('the run lens', async () => (await lensTexts()).some((t) => t.startsWith('▶ Run workstream')));
    await runCommand('Workstream: Run Workstream');
    const statusItem = page.locator('.statusbar-item', { hasText: 'Workstream:' });
    await waitFor('"Workstream: 0/1 ▶ nap"', async () => (await statusItem.allInnerTexts()).some((t) => t.includes('0/1 ▶ nap')));
    await runCommand('Workstream: Cancel Run');
    await waitFor('the run shown as cancelled', async () =>
      (await statusItem.allInnerTexts()).some((t) => t.includes('Workstream: ✗ 1 cancelled (0/1 ✓)')), 20_000);
    await waitFor('the step lens shown as cancelled', async () =>
      (await lensTexts()).some((t) => t.startsWith('▶ Run step') && /cancel/.test(t)));
  }));

  it('restarts the server with "Workstream: Restart Server"', { timeout: TIMEOUT }, check(async () => {
    const starts = () => serverLog().match(/Server command \(from /g)?.length ?? 0;
    const before = starts();
    await runCommand('Workstream: Restart Server');
    await waitFor('a second start in the log', async () => starts() === before + 1);
    await page.locator('.tab[aria-label^="missing-dep.workstream.json"]').click();
    await showProblems();
    await waitFor('the WS102 row again, from the new server', async () =>
      (await problems()).some((r) => r.label.includes("depends on 'setpu'")));
  }));

  it('tells how to install the server when the interpreter lacks it (restarting on the setting)', { timeout: TIMEOUT }, check(async () => {
    const bare = join(root, 'bare-venv');
    execFileSync('python3', ['-m', 'venv', '--without-pip', bare]);
    // Change the setting as a user does, in the Settings editor.
    await changeSetting('workstream.python', async (row) => {
      await row.locator('input').fill(join(bare, 'bin', 'python'));
      await row.locator('input').press('Enter');
    });
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'workstream package is not installed' });
    await toast.first().waitFor({ timeout: 30_000 });
    assert.match(await toast.first().innerText(), /bare-venv\/bin\/python \(from workstream\.python\)/);
    assert.equal(await toast.locator('.monaco-button', { hasText: 'Installation Docs' }).count(), 1, 'an Installation Docs button');
    assert.match(serverLog(), /Server command \(from workstream\.python\): \S*bare-venv\/bin\/python -m workstream serve/);
  }));
});

describe('the Workstream extension in an untrusted workspace', { timeout: 5 * 60_000 }, () => {
  const untrusted = new Session(null, { root: join(root, 'untrusted'), parent: session });

  before(check(async () => {
    current = untrusted;
    // Workspace Trust on, no prompt: an unknown folder opens in Restricted Mode.
    await untrusted.start({
      settings: { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false },
      trust: true,
    });
    page = untrusted.page;
  }));

  after(() => untrusted.stop());

  it('validates but offers no run: no run lenses, run commands hidden, trusted: false sent', { timeout: TIMEOUT }, check(async () => {
    await openFile('missing-dep.workstream.json');
    await showProblems();
    await waitFor('the WS102 row', async () => (await problems()).some((r) => r.label.includes("depends on 'setpu'")));
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached' });
    assert.match(serverLog(), /initializationOptions: \{"trusted":false,/);
    await openFile('hello.workstream.json'); // no errors: a trusted workspace would offer runs
    await page.waitForTimeout(2000); // lenses come with the diagnostics; give them time to show up
    assert.deepEqual((await lensTexts()).filter((t) => /▶ Run/.test(t)), [], 'no run lenses');
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Workstream: ');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Workstream: Show Graph' }).first().waitFor();
    const titles = await page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
    assert.ok(!titles.some((t) => /Run Workstream|Run Step/.test(t)), `run commands offered: ${titles.join(' | ')}`);
    await page.keyboard.press('Escape');
  }));
});
