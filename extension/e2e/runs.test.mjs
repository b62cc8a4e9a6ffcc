// End-to-end test of the runs view (the Workstream activity-bar container) in a real VS Code
// (code-server with the built .vsix, headless Chromium; see session.mjs and harness.mjs), as a
// user sees it: after a run it lists the steps with their statuses; a step's "Open Changes"
// opens the diff editor of each file it changed, its start point against its result (and is not
// offered on a step that changed nothing); "Open AI Transcript" opens an AI step's transcript;
// "Open Kept Worktree" opens a failed step's kept worktree in a new window; "Open Result
// Changes" shows the run's result against its base; "Re-run Step" runs the step again and its
// row shows its new commit; "Merge Result into Current Branch…" (confirmed in its modal) lands
// the result on the user's branch, after refusing while the tree is dirty.
// WORKSTREAM_E2E_SCREENSHOT_DIR=dir also copies its screenshot (screenshot-runs.png) there, e.g. ../docs.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PYTHON, Session, workstreamText } from './session.mjs';

const TIMEOUT = 120_000;
const session = new Session('workstream-e2e-runs-');
const { repo } = session;
const check = (body) => session.check(body);
const git = (...args) => session.git(...args);

// notes edits the README and adds notes.txt, more adds a file on top of them, talk is an AI
// step (a model of one: it writes its conversation to {transcript}), check changes nothing.
const RUNS = {
  id: 'ws-review',
  tools: {
    talker: {
      command: ['sh', '-c', "printf '#### %s\\nDone.\\n' \"${1#--prompt=}\" > \"$2\"; echo hi > out.txt",
        'talker', '--prompt={prompt}', '{transcript}'],
      description: 'a model of an AI tool',
    },
  },
  steps: [
    { id: 'notes', run: 'printf "\\nNotes from the notes step.\\n" >> README.md && echo noted > notes.txt', files: ['README.md', 'notes.txt'] },
    { id: 'more', run: 'echo more > more.txt', depends_on: ['notes'], files: ['more.txt'] },
    { id: 'talk', tool: 'talker', tasks: ['write out.txt'], files: ['out.txt'] },
    { id: 'check', run: 'true', files: [] },
  ],
};
// A step that fails after writing a file: its work is saved and its worktree kept.
const BROKEN = { id: 'ws-broken', steps: [{ id: 'wip', run: 'echo wip > wip.txt && exit 3', files: ['wip.txt'] }] };
const STEPS = RUNS.steps.map((s) => s.id);

let page;
let wb;
let base; // main before the run: where the run (and notes) started

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

/** Waits until the tree has shown the same rows for a second (it refreshes after each status). */
async function settled() {
  let last = '';
  let since = Date.now();
  await wb.waitFor('the runs view settled', async () => {
    const now = JSON.stringify(await rows());
    if (now !== last) [last, since] = [now, Date.now()];
    return Date.now() - since >= 1000;
  });
}

async function contextMenu(label, item) {
  await settled();
  await row(label).first().click({ button: 'right' });
  const entry = page.locator('.monaco-menu .action-item', { hasText: item }).first();
  await entry.waitFor({ timeout: 10_000 });
  await entry.click();
  // The view may redraw under the menu as the click lands (a file watcher saw git): the menu
  // then stays open with the entry focused, which Enter activates.
  const menu = page.locator('.context-view .monaco-menu').first();
  try {
    await menu.waitFor({ state: 'hidden', timeout: 3_000 });
  } catch {
    await page.keyboard.press('Enter');
  }
}

/** git's order of paths (bytes, not the locale's). */
const byPath = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** The diff editors on screen, each as the file and commit of its left and right side. */
function diffSides() {
  return page.locator('.monaco-diff-editor').evaluateAll((els) => els.map((el) => {
    const side = (which) => {
      const uri = el.querySelector(`.editor.${which} .monaco-editor`)?.getAttribute('data-uri') ?? '';
      const match = /^workstream-git:(\/[^?]*)\?(.*)$/.exec(uri);
      if (!match) return { uri };
      return { path: decodeURIComponent(match[1]).slice(1), commit: JSON.parse(decodeURIComponent(match[2])).commit };
    };
    return { left: side('original'), right: side('modified') };
  })).then((sides) => sides.sort((a, b) => byPath(a.right.path ?? '', b.right.path ?? '')));
}

/** Each changed file between two commits, as the diff editors should show it. */
function expectedSides(start, result) {
  return git('diff', '--name-only', start, result).split('\n').sort(byPath)
    .map((path) => ({ left: { path, commit: start }, right: { path, commit: result } }));
}

async function activeTab() {
  return page.locator('.tab.active').first().getAttribute('aria-label');
}

/** The entries of a row's context menu (closed again). */
async function menuEntries(label) {
  await row(label).first().click({ button: 'right' });
  const menu = page.locator('.monaco-menu .action-item .action-label');
  await menu.first().waitFor({ timeout: 10_000 });
  const entries = (await menu.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  await page.keyboard.press('Escape');
  return entries;
}

after(() => session.cleanup());

describe('the runs view in code-server', { timeout: 10 * 60_000 }, () => {
  before(check(async () => {
    await session.start({ files: { 'review.workstream.json': workstreamText(RUNS), 'broken.workstream.json': workstreamText(BROKEN) } });
    ({ page, wb } = session);
    // ws-broken runs from the command line, as a user may do too: the view shows that run as well.
    const broken = spawnSync(PYTHON, ['-m', 'workstream', 'run', '--progress', 'plain', 'broken.workstream.json'],
      { cwd: repo, env: session.env, encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(broken.status, 0, `ws-broken failed as planned:\n${broken.stdout}\n${broken.stderr}`);
    base = git('rev-parse', 'HEAD');
  }));

  after(() => session.stop());

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
    const listed = await wb.waitFor('its steps succeeded in the view', async () => {
      const now = await rows();
      const steps = now.filter((r) => STEPS.includes(r.label));
      return steps.length === STEPS.length && steps.every((r) => /^succeeded · \d+\.\ds · [0-9a-f]{7}$/.test(r.description)) && now;
    });
    const file = listed.find((r) => r.label === 'ws-review');
    assert.match(file.description, /^review\.workstream\.json · succeeded · result [0-9a-f]{7}$/);
    assert.deepEqual(listed.filter((r) => STEPS.includes(r.label)).map((r) => r.icon), STEPS.map(() => 'codicon-pass'));
    assert.equal(listed.find((r) => r.label === 'ws-slow').description, 'slow.workstream.json · no run yet');
    const more = listed.find((r) => r.label === 'more');
    assert.equal(more.description.slice(-7), git('rev-parse', '--short=7', 'workstream/ws-review/step/more'));
    // The run from the command line: failed, its saved work's commit.
    assert.match(listed.find((r) => r.label === 'ws-broken').description, /^broken\.workstream\.json · failed$/);
    const wip = listed.find((r) => r.label === 'wip');
    assert.match(wip.description, /^failed · \d+\.\ds · [0-9a-f]{7}$/);
    assert.equal(wip.icon, 'codicon-error');
  }));

  it("opens a step's changes from its context menu: each file it changed, its start point against its result", { timeout: TIMEOUT }, check(async () => {
    const notes = git('rev-parse', 'workstream/ws-review/step/notes');
    await contextMenu('notes', 'Open Changes');
    // Two files: the multi-file changes editor (vscode.changes), one diff editor per file.
    await wb.waitFor('the changes tab of notes', async () => (await activeTab())?.startsWith(`notes ${notes.slice(0, 7)} (2 files)`))
      .catch(async (error) => {
        console.log('tabs:', await page.locator('.tab').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))));
        console.log('notifications:', await page.locator('.notifications-toasts').allInnerTexts());
        throw error;
      });
    const want = expectedSides(base, notes);
    assert.deepEqual(want.map((s) => s.right.path), ['README.md', 'notes.txt']);
    await wb.waitFor('a diff editor per file, start point left, result right', async () =>
      JSON.stringify(await diffSides()) === JSON.stringify(want));
    // Monaco draws spaces as no-break spaces.
    const text = async (which) => (await page.locator(`.monaco-diff-editor .editor.${which} .view-lines`).allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
    await wb.waitFor('the added line on the right side', async () => (await text('modified')).includes('Notes from the notes step.'));
    assert.ok((await text('original')).includes('# scratch repository') && !(await text('original')).includes('Notes from'),
      'the left side is the start point');
    await session.screenshot('screenshot-runs.png');

    // One file, from the inline action: the diff editor (vscode.diff) of more.txt, from where more started (notes' result).
    const more = git('rev-parse', 'workstream/ws-review/step/more');
    await row('more').first().hover();
    await row('more').first().locator('.actions .action-label[aria-label^="Open Changes"]').click();
    await wb.waitFor('the diff tab of more.txt', async () => (await activeTab())?.startsWith(`more.txt (more ${more.slice(0, 7)})`));
    await wb.waitFor('one diff editor, notes\' result against more\'s', async () => {
      const sides = await diffSides();
      return sides.length === 1 && JSON.stringify(sides) === JSON.stringify(expectedSides(notes, more));
    });

    // A step that changed nothing offers no "Open Changes" (it would open no diff), only its log.
    const entries = await menuEntries('check');
    assert.ok(entries.includes('Open Log') && !entries.includes('Open Changes'), `the menu of check: ${entries.join(', ')}`);
  }));

  it("opens an AI step's transcript from its context menu", { timeout: TIMEOUT }, check(async () => {
    await contextMenu('talk', 'Open AI Transcript');
    await wb.waitFor('the tab of talk.transcript.md', async () => (await activeTab())?.startsWith('talk.transcript.md'));
    await wb.waitFor('the conversation in the editor', async () => {
      const text = (await page.locator('.editor-group-container .editor-instance .monaco-editor .view-lines').allInnerTexts()).join('\n');
      return text.replace(/\u00a0/g, ' ').includes('Done.');
    });
    // No transcript, no entry.
    assert.ok(!(await menuEntries('notes')).includes('Open AI Transcript'));
  }));

  it("opens the run's result changes against its base", { timeout: TIMEOUT }, check(async () => {
    const result = git('rev-parse', 'workstream/ws-review/result');
    await contextMenu('ws-review', 'Open Result Changes');
    const want = expectedSides(base, result);
    assert.deepEqual(want.map((s) => s.right.path), ['README.md', 'more.txt', 'notes.txt', 'out.txt']);
    await wb.waitFor('the changes tab of the result', async () =>
      (await activeTab())?.startsWith(`ws-review result ${result.slice(0, 7)} (${want.length} files)`));
    await wb.waitFor('a diff editor per file, base left, result right', async () =>
      JSON.stringify(await diffSides()) === JSON.stringify(want));
  }));

  it("opens a failed step's kept worktree in a new window", { timeout: TIMEOUT }, check(async () => {
    const opened = page.context().waitForEvent('page', { timeout: 30_000 });
    await contextMenu('wip', 'Open Kept Worktree');
    const window = await opened;
    try {
      await window.waitForURL(/[?&]folder=/, { timeout: 30_000 });
      const folder = decodeURIComponent(/[?&]folder=([^&]*)/.exec(window.url())[1]);
      assert.match(folder, /\/worktrees\/wip$/);
      assert.equal(readFileSync(join(folder, 'wip.txt'), 'utf8'), 'wip\n', 'the worktree holds the failed work');
      assert.ok(existsSync(join(folder, '.git')), 'a git worktree');
      // The new window is a workbench on that folder, its explorer titled with its name.
      await window.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await window.waitForFunction(() => /\bwip\b/.test(document.title), undefined, { timeout: 30_000 });
    } finally {
      await window.close();
    }
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

  // Last: a run of one step (run --step) leaves no result to merge.
  it('re-runs a step from the view, and its row shows the new run', { timeout: TIMEOUT }, check(async () => {
    const before = git('rev-parse', 'workstream/ws-review/step/more');
    const talk = (await rows()).find((r) => r.label === 'talk').description;
    await row('more').first().hover();
    await row('more').first().locator('.actions .action-label[aria-label^="Re-run Step"]').click();
    const after = await wb.waitFor('more on a new commit', async () => {
      const now = git('rev-parse', 'workstream/ws-review/step/more');
      return now !== before && now;
    }, 60_000);
    await wb.waitFor("more's row with its new commit", async () => {
      const more = (await rows()).find((r) => r.label === 'more');
      return new RegExp(`^succeeded · \\d+\\.\\ds · ${after.slice(0, 7)}$`).test(more.description) && more.icon === 'codicon-pass';
    });
    // Only more (and notes, whose start point moved with the merge) ran: talk's row keeps its
    // duration and commit (and says "changed since" once the view sees that main moved).
    const kept = (description) => description.replace(/ · changed since$/, '');
    assert.equal(kept((await rows()).find((r) => r.label === 'talk').description), kept(talk));
  }));
});
