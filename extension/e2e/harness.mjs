// The end-to-end harness: a code-server with the built .vsix installed and a headless Chromium
// page on it, everything (HOME, TMPDIR, XDG_*) inside one temporary folder. See
// /work/shared/VSCODE-E2E.md for the measured recipe this follows.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.WORKSTREAM_E2E_CHROMIUM ?? '/usr/bin/chromium';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e test through extension/scripts/test.sh`);
  return value;
}

/** HOME, TMPDIR and XDG_* inside `dir`, so neither program writes outside it. */
export function isolatedEnv(dir, extra = {}) {
  const env = { ...process.env, ...extra };
  for (const [name, sub] of [['HOME', 'home'], ['TMPDIR', 'tmp'], ['XDG_CONFIG_HOME', 'config'],
    ['XDG_DATA_HOME', 'data'], ['XDG_CACHE_HOME', 'cache'], ['XDG_STATE_HOME', 'state'], ['XDG_RUNTIME_DIR', 'runtime']]) {
    env[name] = join(dir, sub);
    mkdirSync(env[name], { recursive: true, mode: 0o700 });
  }
  return env;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Installs the .vsix into a fresh code-server and starts it on `folder` (with Workspace Trust when `trust`). */
export async function startCodeServer(root, folder, settings, { trust = false } = {}) {
  const codeServer = required('CODE_SERVER');
  const node24 = required('NODE24_BIN');
  const vsix = required('WORKSTREAM_VSIX');
  const userData = join(root, 'user-data');
  const extensions = join(root, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeSettings(userData, settings);
  writeFileSync(join(root, 'config.yaml'), 'auth: none\n');
  const env = isolatedEnv(join(root, 'code-server-env'), { PATH: `${node24}:${process.env.PATH}` });
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions, '--config', join(root, 'config.yaml')];

  const install = spawnSync(codeServer, [...common, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0 || !/was successfully installed/.test(install.stdout + install.stderr)) {
    throw new Error(`installing the .vsix failed:\n${install.stdout}\n${install.stderr}`);
  }

  const port = await freePort();
  const log = openSync(join(root, 'code-server.log'), 'a');
  // detached: its own process group, so stop() ends the extension host and the server too.
  const child = spawn(codeServer, [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--reconnection-grace-time', '10', folder],
  { env, detached: true, stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${root}/code-server.log`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('code-server did not answer /healthz within 60 s');
    await sleep(250);
  }
  return {
    url: `${url}/?folder=${encodeURIComponent(folder)}`,
    userData,
    async stop() {
      for (const signal of ['SIGTERM', 'SIGKILL']) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          return; // the group is gone
        }
        for (let i = 0; i < 20; i++) {
          try {
            process.kill(-child.pid, 0);
          } catch {
            return;
          }
          await sleep(100);
        }
      }
    },
  };
}

export function writeSettings(userData, settings) {
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** A headless Chromium with its own profile, HOME and XDG folders inside `root`. */
export async function launchBrowser(root) {
  const env = isolatedEnv(join(root, 'chromium-env'));
  return chromium.launchPersistentContext(join(root, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    env,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
