/** Which files are workstream files (DESIGN.md "The file format"), without VS Code. */

/** Glob patterns for the language client's document selector and file search. */
export const WORKSTREAM_GLOBS = ['**/*.workstream.json', '**/workstream.json', '**/workstreams/*.json'];

/** True for `*.workstream.json`, `workstream.json` and `*.json` directly inside `workstreams/`. */
export function isWorkstreamPath(path: string): boolean {
  const parts = path.split(/[\\/]/);
  const name = parts[parts.length - 1];
  if (name === 'workstream.json' || (name.endsWith('.workstream.json') && name.length > 16)) return true;
  return name.endsWith('.json') && parts.length >= 2 && parts[parts.length - 2] === 'workstreams';
}
