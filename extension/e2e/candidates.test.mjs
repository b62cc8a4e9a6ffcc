// End-to-end test of a step's candidates in the runs view, in a real VS Code (code-server with
// the built .vsix, headless Chromium; see session.mjs): before a run each
// candidate is listed under its step as defined; after a scored run each shows its outcome,
// score and which one was selected, its changes against the step's start point open in the
// diff editor, its log from a click, and its menu offers its kept worktree but no re-run.
// WORKSTREAM_E2E_SCREENSHOT_DIR=dir also copies screenshot-runs-candidates.png there.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { Session, workstreamText } from './session.mjs';

const TIMEOUT = 180_000;
const session = new Session('workstream-e2e-candidates-');
let page;
let wb;
const git = (...args) => session.git(...args);
const check = (body) => session.check(body);
const screenshot = (name) => session.screenshot(name);

// A step with three candidates chosen by score: 1 and 2 pass (2 scores lower), 3 fails its test.
const PICK = {
  id: 'ws-pick',
  steps: [
    {
      id: 'pick',
      files: ['score.txt'],
      acceptance_tests: ['grep -qv bad score.txt'],
      candidates: [{ run: 'echo 30 > score.txt' }, { run: 'echo 10 > score.txt' }, { run: 'echo bad > score.txt' }],
      select: { score: 'cat score.txt', better: 'lower' },
    },
  ],
};

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

describe("a step's candidates in the runs view in code-server", { timeout: 10 * 60_000 }, () => {
  before(check(async () => {
    await session.start({ files: { 'pick.workstream.json': workstreamText(PICK) } });
    ({ page, wb } = session);
  }));

  after(async () => {
    await session.stop();
    session.cleanup();
  });

  it("lists a step's candidates under it with their outcome, score and selection, and opens a candidate's changes and log", { timeout: TIMEOUT }, check(async () => {
    await wb.openFile('pick.workstream.json');
    await wb.waitFor('the run lens of ws-pick', async () => (await wb.lensTexts()).some((t) => t.startsWith('▶ Run workstream')), 60_000);
    await page.locator('.activitybar .action-item a[aria-label^="Workstream"]').first().click();
    await wb.waitFor('the candidates of pick listed before the run', async () => {
      const now = await rows();
      return now.some((r) => r.label === 'candidate 3' && r.description === 'not run yet · run: echo bad > score.txt') && now;
    }, 60_000);
    await wb.runCommand('Workstream: Run Workstream');
    await wb.toasts('Workstream ws-pick: run succeeded').first().waitFor({ timeout: 90_000 });
    const listed = await wb.waitFor('the three candidates with their outcomes', async () => {
      const now = await rows();
      const cands = now.filter((r) => /^candidate \d$/.test(r.label));
      const ended = cands.every((r) => /^(succeeded|failed|cancelled) · /.test(r.description));
      // the selection is written when the step ends, after its candidates' own entries
      return cands.length === 3 && ended && cands.some((r) => r.description.includes(' · selected · ')) && now;
    });
    const cands = Object.fromEntries(listed.filter((r) => /^candidate \d$/.test(r.label)).map((r) => [r.label, r]));
    const sha = (n) => git('rev-parse', '--short=7', `workstream/ws-pick/candidate/pick/${n}`);
    assert.match(cands['candidate 1'].description, new RegExp(`^succeeded · score 30 · \\d+\\.\\ds · ${sha(1)} · run: echo 30 > score\\.txt$`));
    assert.match(cands['candidate 2'].description, new RegExp(`^succeeded · score 10 · selected · \\d+\\.\\ds · ${sha(2)} · run: echo 10 > score\\.txt$`));
    assert.match(cands['candidate 3'].description, new RegExp(`^failed · \\d+\\.\\ds · ${sha(3)} · run: echo bad > score\\.txt$`));
    assert.deepEqual(['candidate 1', 'candidate 2', 'candidate 3'].map((l) => cands[l].icon), ['codicon-pass', 'codicon-pass-filled', 'codicon-error']);
    const pick = listed.find((r) => r.label === 'pick');
    assert.equal(pick.description.slice(-7), sha(2), "the step's result is the selected candidate's commit");
    await screenshot('screenshot-runs-candidates.png');

    // The losing candidate's changes against the step's start point, on its own branch.
    await contextMenu('candidate 1', 'Open Changes');
    await wb.waitFor('the diff tab of score.txt for candidate 1', () =>
      page.locator(`.tab.active[aria-label*="score.txt (pick candidate 1 ${sha(1)})"]`).count());
    const modified = page.locator('.monaco-diff-editor .editor.modified .view-lines').first();
    await wb.waitFor('its score on the right side', async () => (await modified.innerText()).includes('30'));

    // The failed candidate's log, from a click on its row.
    await row('candidate 3').first().click();
    await wb.waitFor('the log of candidate 3', () => page.locator('.tab.active[aria-label*="pick@3.log"]').count());
    // Its kept worktree is offered in its menu (a new window: only the entry is checked).
    await row('candidate 3').first().click({ button: 'right' });
    await page.locator('.monaco-menu .action-item', { hasText: 'Open Kept Worktree' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    await row('candidate 1').first().click({ button: 'right' });
    await page.locator('.monaco-menu .action-item', { hasText: 'Open Changes' }).first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.monaco-menu .action-item', { hasText: 'Re-run Step' }).count(), 0, 'a candidate is not re-run alone');
    await page.keyboard.press('Escape');
  }));
});
