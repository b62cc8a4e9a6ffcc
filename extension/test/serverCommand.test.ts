/** Unit tests for finding the server command (serverCommand.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { classifyProbe, expandVariables, resolveServerCommand } from '../src/serverCommand';

const vars = { workspaceFolder: '/work/repo', userHome: '/home/ada' };
const none = { command: [], python: '' };

describe('resolveServerCommand', () => {
  it('prefers workstream.server.command over everything', () => {
    const got = resolveServerCommand({ command: ['/opt/ws', 'serve', '--x'], python: '/usr/bin/python3.12' }, vars, '/venv/bin/python');
    assert.deepEqual(got, { command: '/opt/ws', args: ['serve', '--x'], source: 'workstream.server.command' });
  });

  it('uses workstream.python with -m workstream serve next', () => {
    const got = resolveServerCommand({ command: [], python: '${workspaceFolder}/.venv/bin/python' }, vars, '/venv/bin/python');
    assert.deepEqual(got, {
      command: '/work/repo/.venv/bin/python',
      args: ['-m', 'workstream', 'serve'],
      source: 'workstream.python',
      python: '/work/repo/.venv/bin/python',
    });
  });

  it("uses the Python extension's interpreter when no setting is given", () => {
    const got = resolveServerCommand(none, vars, '/venv/bin/python');
    assert.equal(got.command, '/venv/bin/python');
    assert.deepEqual(got.args, ['-m', 'workstream', 'serve']);
    assert.equal(got.source, 'Python extension');
  });

  it('falls back to python3', () => {
    const got = resolveServerCommand(none, vars, undefined);
    assert.deepEqual([got.command, ...got.args, got.source], ['python3', '-m', 'workstream', 'serve', 'default']);
  });

  it('treats blank settings as unset', () => {
    const got = resolveServerCommand({ command: [''], python: '   ' }, vars, undefined);
    assert.equal(got.source, 'default');
  });
});

describe('expandVariables', () => {
  it('expands ~ and ${userHome} and ${workspaceFolder}', () => {
    assert.equal(expandVariables('~/venv/bin/python', vars), '/home/ada/venv/bin/python');
    assert.equal(expandVariables('${userHome}/x:${workspaceFolder}', vars), '/home/ada/x:/work/repo');
  });

  it('leaves unknown variables, a tilde inside a path and a missing folder alone', () => {
    assert.equal(expandVariables('${env:HOME}/a~b', vars), '${env:HOME}/a~b');
    assert.equal(expandVariables('${workspaceFolder}/p', { userHome: '/h' }), '${workspaceFolder}/p');
  });
});

describe('classifyProbe', () => {
  it('reads a missing interpreter, a missing module, success and other failures', () => {
    assert.deepEqual(classifyProbe({ errorCode: 'ENOENT', exitCode: null, stderr: '' }), { kind: 'python-missing' });
    assert.deepEqual(
      classifyProbe({ exitCode: 1, stderr: '/usr/bin/python3: No module named workstream\n' }),
      { kind: 'module-missing' },
    );
    assert.deepEqual(classifyProbe({ exitCode: 0, stderr: '' }), { kind: 'ok' });
    assert.deepEqual(
      classifyProbe({ exitCode: 1, stderr: 'Traceback...\nImportError: cannot import name pygls\n' }),
      { kind: 'failed', detail: 'ImportError: cannot import name pygls' },
    );
  });
});
