// What an e2e test does in the VS Code page, as a user would: wait, run a palette command,
// open a file from the explorer, read the lenses, the status bar, the notifications, and find
// a webview's page. One per page.
import { strict as assert } from 'node:assert';

export class Workbench {
  constructor(page) {
    this.page = page;
  }

  /** Polls `probe` until it returns a truthy value; fails with `what` and the last value seen. */
  async waitFor(what, probe, timeout = 30_000) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      last = await probe();
      if (last) return last;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
      await this.page.waitForTimeout(200);
    }
  }

  async runCommand(title) {
    const { page } = this;
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
  }

  async openFile(name) {
    await this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`).dblclick({ timeout: 30_000 });
    await this.waitFor(`the editor tab of ${name}`, () => this.page.locator(`.tab.active[aria-label^="${name}"]`).count());
  }

  lensTexts() {
    return this.page.locator('.monaco-editor .codelens-decoration').allInnerTexts();
  }

  /** The text of the Workstream status bar item ('' when hidden). */
  async statusItem() {
    const texts = await this.page.locator('.statusbar-item', { hasText: 'Workstream:' }).allInnerTexts();
    return (texts[0] ?? '').replace(/\s+/g, ' ').trim();
  }

  /** The notification toasts that contain `text`. */
  toasts(text) {
    return this.page.locator('.notifications-toasts .notification-list-item', { hasText: text });
  }

  /** The page (frame) of the webview whose document has `selector`. */
  async webviewFrame(what, selector) {
    return this.waitFor(what, async () => {
      for (const frame of this.page.frames()) {
        if (await frame.$(selector).catch(() => null)) return frame;
      }
      return undefined;
    });
  }

  /** "Ln 7, Col 14" of the active editor, from the status bar. */
  async cursor() {
    const texts = await this.page.locator('.statusbar-item').allInnerTexts();
    const found = texts.map((t) => /Ln (\d+), Col (\d+)/.exec(t)).find(Boolean);
    return found ? { line: Number(found[1]), column: Number(found[2]) } : undefined;
  }
}
