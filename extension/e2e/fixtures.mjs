// The workspace the end-to-end test opens: a small git repository with workstream files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A sample as a user copies it into their repository, with one property misspelt.
const DIAMOND = readFileSync(new URL('../../samples/diamond.workstream.json', import.meta.url), 'utf8');
if (!DIAMOND.includes('{ "max_workers": 2,')) throw new Error('samples/diamond.workstream.json changed: update the e2e fixtures');
const MISSPELT = DIAMOND.replace('{ "max_workers": 2,', '{ "max_worker": 2,');

export const FILES = {
  // samples/diamond.workstream.json copied with "max_worker" for "max_workers" (line 5).
  'copied-sample.workstream.json': MISSPELT,
  // The same with the relative `$schema` the samples used to have, which resolves nowhere here.
  'old-schema.workstream.json': MISSPELT.replace('{\n', '{\n  "$schema": "../schemas/workstream.schema.json",\n'),
  // WS102: "build" depends on "setpu", a typo of "setup".
  'missing-dep.workstream.json': `{
  // A workstream with a dependency on a step that does not exist.
  "id": "ws-missing-dep",
  "steps": [
    {
      "id": "setup",
      "run": "echo setup",
      "files": []
    },
    {
      "id": "build",
      "run": "echo build",
      "depends_on": ["setpu"],
      "files": []
    }
  ]
}
`,
  // One schema mistake (a string where an integer belongs) and one semantic one (WS103).
  'schema-mistake.workstream.json': `{
  "id": "ws-schema-mistake",
  "steps": [
    {
      "id": "lint",
      "run": "echo lint",
      "retries": "two",
      "depends_on": ["lint"],
      "files": []
    }
  ]
}
`,
  // One syntax mistake: a missing comma after "run".
  'syntax-mistake.workstream.json': `{
  "id": "ws-syntax-mistake",
  "steps": [
    {
      "id": "fmt",
      "run": "echo fmt"
      "files": []
    }
  ]
}
`,
  // Two shell steps that succeed, for the run (the sleep lets the test see the status bar).
  'hello.workstream.json': `{
  "id": "ws-hello",
  "description": "Two shell steps, the second after the first",
  "steps": [
    {
      "id": "greet",
      "run": "sleep 2 && echo hi > a.txt && echo wrote a.txt",
      "files": ["a.txt"]
    },
    {
      "id": "answer",
      "run": "echo there > b.txt && echo wrote b.txt",
      "depends_on": ["greet"],
      "files": ["b.txt"]
    }
  ]
}
`,
  // One long step, to cancel.
  'slow.workstream.json': `{
  "id": "ws-slow",
  "steps": [
    {
      "id": "nap",
      "run": "sleep 60",
      "files": []
    }
  ]
}
`,
};

/** Writes the files into a new git repository at `dir` with one commit. */
export function makeRepository(dir, env) {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'README.md'), '# scratch repository of the Workstream e2e test\n');
  const git = (...args) => execFileSync('git', args, { cwd: dir, env, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Workstream E2E');
  git('config', 'user.email', 'e2e@workstream.invalid');
  git('add', '.');
  git('commit', '-q', '-m', 'fixtures');
}
