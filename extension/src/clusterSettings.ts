/**
 * Where runs started from VS Code go: the `workstream.cluster` and `workstream.remote`
 * settings, as the server reads them (initializationOptions `cluster` and `remote`, then
 * `workspace/didChangeConfiguration` `{settings: {workstream: {cluster, remote}}}` whenever
 * either changes, so a change reaches the next run without restarting the server, and a run
 * in progress keeps going). Empty means none: the file's `execution.cluster`, else this
 * machine; `origin`. The server checks the values (an invalid one is logged and ignored).
 */

export interface ClusterSettings {
  cluster: string;
  remote: string;
}

/** The settings, trimmed; anything but a string counts as empty. */
export function clusterSettings(get: (key: 'cluster' | 'remote') => unknown): ClusterSettings {
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  return { cluster: text(get('cluster')), remote: text(get('remote')) };
}

/** The keys whose change is sent to the server as it runs. */
export const CLUSTER_KEYS = ['workstream.cluster', 'workstream.remote'] as const;
