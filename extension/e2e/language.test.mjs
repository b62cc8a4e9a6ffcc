// End-to-end test of workstream files as a language of their own in a real VS Code (code-server
// with the built .vsix, headless Chromium; see session.mjs): the editor says "Workstream", one
// outline (the server's, not VS Code's JSON one beside it), the schema's hover and completion
// from the server, Format Document from the server keeping comments, and a syntax error shown
// once, as the server's.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { Session } from './session.mjs';

const TIMEOUT = 180_000;
const MINIFIED = '{"id":"ws-minified", // kept\n"steps":[{"id":"only","run":"true","files":[]}]}\n';

describe('workstream files as a language', () => {
  const session = new Session('workstream-e2e-language-');
  let page;
  let wb;

  before(async () => {
    await session.start({ files: { 'minified.workstream.json': MINIFIED } });
    ({ page, wb } = session);
  });

  after(async () => {
    await session.stop();
    session.cleanup();
  });

  const goToLine = async (line) => {
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await wb.waitFor(`the cursor on line ${line}`, async () => (await wb.cursor())?.line === line);
  };
  const editorText = async () => (await page.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');

  it('is the Workstream language, with one outline: the server\'s', { timeout: TIMEOUT }, session.check(async () => {
    await wb.openFile('hello.workstream.json');
    await wb.waitFor('the language mode "Workstream"', async () =>
      (await page.locator('.statusbar-item[id="status.editor.mode"]').allInnerTexts()).join() === 'Workstream');
    await wb.waitFor('the lenses', async () => (await wb.lensTexts()).some((t) => t.includes('Run workstream')));
    await wb.runCommand('Explorer: Focus on Outline View');
    const outline = page.locator('.outline-pane .monaco-list-row');
    await wb.waitFor('the outline', async () => (await outline.allInnerTexts()).some((t) => t.includes('ws-hello')));
    const labels = await outline.allInnerTexts();
    // The server's outline: the workstream, then its steps; VS Code's JSON outline would list
    // the raw keys ("id", "description") at the top instead, and a second provider would be offered.
    assert.ok(labels[0].includes('ws-hello'), JSON.stringify(labels));
    assert.ok(!labels.some((t) => /^description\b/.test(t.trim())), JSON.stringify(labels));
  }));

  it('answers hover on a key and completes keys from the schema', { timeout: TIMEOUT }, session.check(async () => {
    await wb.openFile('hello.workstream.json');
    await goToLine(3); // "description": ...
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await wb.runCommand('Show or Focus Hover');
    const hover = page.locator('.monaco-hover:not(.hidden)');
    // The schema's documentation of the key, from the server (VS Code's JSON service is not asked).
    await wb.waitFor('the schema hover', async () => /What this workstream changes, for people/.test(await hover.innerText().catch(() => '')));
    await page.keyboard.press('Escape');
    // A new key in the first step: the suggestions list the keys it may still take.
    await goToLine(6); // "id": "greet",
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('"tim');
    await page.keyboard.press('Control+Space');
    const suggest = page.locator('.suggest-widget .monaco-list-row');
    await wb.waitFor('the key "timeout" offered', async () => (await suggest.allInnerTexts()).some((t) => t.includes('timeout')));
    await page.keyboard.press('Escape');
    await wb.runCommand('File: Revert File');
  }));

  it('formats a workstream file through the server, keeping its comment', { timeout: TIMEOUT }, session.check(async () => {
    await wb.openFile('minified.workstream.json');
    await wb.runCommand('Format Document');
    await wb.waitFor('the formatted text', async () => (await editorText()).includes('"steps": ['));
    const text = await editorText();
    assert.match(text, /"id": "ws-minified", \/\/ kept/);
    assert.match(text, /\n\s+"id": "only",\n\s+"run": "true",/);
    await wb.runCommand('File: Revert File');
  }));
});
