/**
 * Finding the language server's command, without VS Code: the order documented in the README
 * (as ruff-vscode does), variable expansion in settings, and reading a failed start-up probe.
 */

export interface ServerSettings {
  /** `workstream.server.command`: a full argv, or empty. */
  command: readonly string[];
  /** `workstream.python`: an interpreter path, or empty. */
  python: string;
}

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from, for the log and for error messages. */
  source: 'workstream.server.command' | 'workstream.python' | 'Python extension' | 'default';
  /** The interpreter when the command is `<python> -m workstream serve`. */
  python?: string;
}

export interface Variables {
  workspaceFolder?: string;
  userHome: string;
}

export const SERVE_ARGS = ['-m', 'workstream', 'serve'] as const;

/** Expands `${workspaceFolder}`, `${userHome}` and a leading `~`, as ruff-vscode does. */
export function expandVariables(value: string, vars: Variables): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome)\}/g, (whole, name: string) => {
    const found = name === 'workspaceFolder' ? vars.workspaceFolder : vars.userHome;
    return found ?? whole;
  });
  if (out === '~' || out.startsWith('~/')) {
    out = vars.userHome + out.slice(1);
  }
  return out;
}

/**
 * The server command, in this order: the `workstream.server.command` setting, the
 * `workstream.python` setting plus `-m workstream serve`, the Python extension's active
 * interpreter (when that extension is installed), `python3`.
 */
export function resolveServerCommand(
  settings: ServerSettings,
  vars: Variables,
  pythonExtensionInterpreter?: string,
): ServerCommand {
  const argv = settings.command.map((part) => expandVariables(part, vars)).filter((p) => p !== '');
  if (argv.length > 0) {
    return { command: argv[0], args: argv.slice(1), source: 'workstream.server.command' };
  }
  const python = expandVariables(settings.python.trim(), vars);
  if (python !== '') {
    return { command: python, args: [...SERVE_ARGS], source: 'workstream.python', python };
  }
  if (pythonExtensionInterpreter) {
    return {
      command: pythonExtensionInterpreter,
      args: [...SERVE_ARGS],
      source: 'Python extension',
      python: pythonExtensionInterpreter,
    };
  }
  return { command: 'python3', args: [...SERVE_ARGS], source: 'default', python: 'python3' };
}

export type ProbeVerdict =
  | { kind: 'ok' }
  | { kind: 'python-missing' }
  | { kind: 'module-missing' }
  | { kind: 'failed'; detail: string };

export interface ProbeResult {
  /** The spawn error's code, e.g. `ENOENT`, when the process could not start. */
  errorCode?: string;
  exitCode: number | null;
  stderr: string;
}

/** Reads the outcome of `<python> -m workstream --version`. */
export function classifyProbe(result: ProbeResult): ProbeVerdict {
  if (result.errorCode === 'ENOENT' || result.errorCode === 'EACCES') {
    return { kind: 'python-missing' };
  }
  if (result.exitCode === 0) {
    return { kind: 'ok' };
  }
  if (/No module named '?workstream'?|No module named workstream\.__main__/.test(result.stderr)) {
    return { kind: 'module-missing' };
  }
  const lines = result.stderr.trim().split(/\r?\n/);
  return { kind: 'failed', detail: lines[lines.length - 1] || `exit code ${result.exitCode}` };
}
