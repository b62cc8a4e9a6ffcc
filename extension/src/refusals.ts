/**
 * Reading a run the server refuses (a file with errors, an untrusted workspace, a run in
 * progress). The extension shows one notification that says why, with "Show Problems" when
 * errors are the reason (commands.ts: showRefusal), and sends run requests itself rather than
 * through the language client's command, which would log "Request workspace/executeCommand
 * failed" at error level and show a second notification (server.ts).
 */
/** LSP RequestFailed: the code of every run refusal (server/workstream/lsp/refusal.py). */
export const REQUEST_FAILED = -32803;

/** The refusal's message when `error` is one (a response error with code RequestFailed). */
export function refusalMessage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === REQUEST_FAILED && typeof message === 'string' ? message : undefined;
}

/** Whether a refusal is about errors in the file (then the Problems panel shows them). */
export function namesErrors(message: string): boolean {
  return /\bhas \d+ errors? and cannot run\b/.test(message);
}
