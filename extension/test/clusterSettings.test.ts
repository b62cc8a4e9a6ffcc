/** Unit tests for the cluster settings sent to the server (clusterSettings.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { clusterSettings } from '../src/clusterSettings';

describe('clusterSettings', () => {
  it('passes the cluster and the remote, trimmed', () => {
    const values: Record<string, unknown> = { cluster: ' local:2 ', remote: 'git@host:repo.git' };
    assert.deepEqual(clusterSettings((key) => values[key]), { cluster: 'local:2', remote: 'git@host:repo.git' });
  });

  it('sends empty strings for missing or non-string values (none: the file decides)', () => {
    const values: Record<string, unknown> = { cluster: 3 };
    assert.deepEqual(clusterSettings((key) => values[key]), { cluster: '', remote: '' });
  });
});
