/** Unit tests for recognising workstream files (files.ts). */
import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { isWorkstreamPath } from '../src/files';

it('recognises the three kinds of workstream file and nothing else', () => {
  for (const path of ['/r/a.workstream.json', '/r/workstream.json', '/r/workstreams/x.json', 'C:\\r\\workstreams\\x.json']) {
    assert.equal(isWorkstreamPath(path), true, path);
  }
  for (const path of ['/r/.workstream.json', '/r/package.json', '/r/workstreams/sub/x.json', '/r/workstreams.json', '/r/a.workstream.jsonc']) {
    assert.equal(isWorkstreamPath(path), false, path);
  }
});
