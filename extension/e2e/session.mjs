// One code-server session of an e2e test file, set up the same way for every file: a temporary
// folder, a git repository with the shared fixtures (fixtures.mjs) and the file's own workstream
// files committed, code-server with the built .vsix on it (harness.mjs) and a headless Chromium
// page with its Workbench (workbench.mjs). A test body wrapped in `check` keeps a screenshot when
// it fails, and the folder is then kept (its path printed) instead of removed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRepository } from './fixtures.mjs';
import { isolatedEnv, launchBrowser, startCodeServer } from './harness.mjs';
import { Workbench } from './workbench.mjs';

export const PYTHON = process.env.WORKSTREAM_PYTHON || 'python3';

/** The user settings of every session: the extension's interpreter, and a quiet workbench. */
export const SETTINGS = {
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

/** A workstream as the JSON text of its file. */
export const workstreamText = (workstream) => `${JSON.stringify(workstream, null, 2)}\n`;

export class Session {
  /**
   * `prefix` names a new temporary folder; `root` (a folder inside another session's) is used
   * instead, with `parent` told of a failure so that the whole folder is kept.
   */
  constructor(prefix, { root, parent } = {}) {
    this.root = root ?? mkdtempSync(join(tmpdir(), prefix));
    this.repo = join(this.root, 'repo');
    this.parent = parent;
    this.failed = false;
  }

  /** git in the repository, with the session's isolated HOME; its trimmed output. */
  git(...args) {
    return execFileSync('git', args, { cwd: this.repo, env: this.env, encoding: 'utf8', stdio: 'pipe' }).trim();
  }

  /**
   * Makes the repository (the shared fixtures, then `files` {name: text} in a second commit),
   * starts code-server on it with SETTINGS and `settings`, and opens the workbench in Chromium.
   */
  async start({ files = {}, settings = {}, trust = false } = {}) {
    mkdirSync(this.root, { recursive: true });
    this.env = isolatedEnv(join(this.root, 'git-env'));
    makeRepository(this.repo, this.env);
    const names = Object.keys(files);
    if (names.length > 0) {
      for (const name of names) writeFileSync(join(this.repo, name), files[name]);
      this.git('add', '--', ...names);
      this.git('commit', '-q', '-m', 'fixtures of this test file');
    }
    this.codeServer = await startCodeServer(this.root, this.repo, { ...SETTINGS, ...settings }, { trust });
    this.browser = await launchBrowser(this.root);
    this.page = this.browser.pages()[0] ?? (await this.browser.newPage());
    this.wb = new Workbench(this.page);
    await this.page.goto(this.codeServer.url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    return this;
  }

  /** Closes the browser and ends code-server's process group (extension host, language server). */
  async stop() {
    await this.browser?.close().catch(() => undefined);
    await this.codeServer?.stop();
  }

  /** A test body (or hook) that, when it fails, keeps a screenshot and the folder. */
  check(body) {
    return async () => {
      try {
        await body();
      } catch (error) {
        this.failed = true;
        if (this.parent) this.parent.failed = true;
        await this.page?.screenshot({ path: join(this.root, `failure-${Date.now()}.png`) }).catch(() => undefined);
        throw error;
      }
    };
  }

  /** Keeps a screenshot in the folder, and in WORKSTREAM_E2E_SCREENSHOT_DIR when set. */
  async screenshot(name) {
    const path = join(this.root, name);
    await this.page.screenshot({ path });
    if (process.env.WORKSTREAM_E2E_SCREENSHOT_DIR) copyFileSync(path, join(process.env.WORKSTREAM_E2E_SCREENSHOT_DIR, name));
    return path;
  }

  /** Removes the folder, or keeps it and says where when a test failed or WORKSTREAM_E2E_KEEP is set. */
  cleanup() {
    if (this.failed || process.env.WORKSTREAM_E2E_KEEP) {
      console.log(`e2e files kept in ${this.root} (screenshots, code-server.log, user-data/logs)`);
    } else {
      rmSync(this.root, { recursive: true, force: true });
    }
  }
}
