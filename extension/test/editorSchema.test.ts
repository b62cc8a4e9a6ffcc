/** Unit tests for the schema given to VS Code's JSON service (editorSchema.ts). */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { editorSchema, VALIDATION_KEYWORDS } from '../src/editorSchema';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

// out/test/ when compiled: the repository's schema is three folders up.
const SCHEMA = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'schemas', 'workstream.schema.json'), 'utf8')) as Json;

/** Every schema object below `schema` by its path (oneOf counted as anyOf); data such as examples is not walked. */
function schemas(schema: Json, path = '#', found = new Map<string, Node>()): Map<string, Node> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return found;
  found.set(path, schema);
  for (const [key, value] of Object.entries(schema)) {
    if (['properties', 'patternProperties', '$defs', 'definitions'].includes(key) && value && typeof value === 'object') {
      for (const [name, sub] of Object.entries(value)) schemas(sub, `${path}/${key}/${name}`, found);
    } else if (['anyOf', 'oneOf', 'allOf', 'prefixItems'].includes(key) && Array.isArray(value)) {
      const offset = key === 'oneOf' && Array.isArray(schema.anyOf) ? schema.anyOf.length : 0;
      value.forEach((sub, i) => schemas(sub, `${path}/${key === 'oneOf' ? 'anyOf' : key}/${i + offset}`, found));
    } else if (key === 'items' || key === 'additionalProperties') {
      if (Array.isArray(value)) value.forEach((sub, i) => schemas(sub, `${path}/${key}/${i}`, found));
      else schemas(value, `${path}/${key}`, found);
    }
  }
  return found;
}

it('leaves nothing in the real schema that VS Code would validate', () => {
  const out = schemas(editorSchema(SCHEMA));
  assert.ok(out.size > 50, `only ${out.size} schemas found: the walk is broken`);
  for (const [path, node] of out) {
    const left = Object.keys(node).filter((key) => VALIDATION_KEYWORDS.has(key));
    assert.deepEqual(left, [], `${path} still validates`);
    if ('additionalProperties' in node) assert.equal(typeof node.additionalProperties, 'object', `${path}: additionalProperties`);
  }
  // The original did validate, so the check above could have failed.
  assert.ok([...schemas(SCHEMA).values()].some((node) => node.additionalProperties === false));
});

it('keeps every schema, title, description, default and value to complete of the real schema', () => {
  const before = schemas(SCHEMA);
  const after = schemas(editorSchema(SCHEMA));
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the same properties, items and alternatives');
  for (const [path, node] of before) {
    const kept = after.get(path) as Node;
    for (const key of ['title', 'description', 'markdownDescription', 'default', '$ref']) {
      assert.deepEqual(kept[key], node[key], `${path}: ${key}`);
    }
    const values = [...(Array.isArray(node.enum) ? node.enum : []), ...('const' in node ? [node.const] : []),
      ...(Array.isArray(node.examples) ? node.examples : [])];
    for (const value of values) {
      assert.ok((kept.examples as Json[] | undefined)?.some((v) => JSON.stringify(v) === JSON.stringify(value)),
        `${path}: ${JSON.stringify(value)} is still offered`);
    }
  }
  assert.ok([...before.values()].some((node) => Array.isArray(node.enum)), 'the real schema has an enum to keep');
});

it('turns enum, const and booleans into examples and oneOf into anyOf', () => {
  const schema: Json = {
    type: 'object', required: ['a'], additionalProperties: false,
    properties: {
      a: { type: 'boolean', description: 'A flag.' },
      b: { enum: ['x', 'y'], examples: ['y', 'z'] },
      c: { const: 3, minimum: 1 },
      d: { anyOf: [{ type: 'string', pattern: '^a' }], oneOf: [{ type: 'integer' }, { type: 'array', items: { type: 'string', minLength: 1 } }] },
      e: { type: 'object', additionalProperties: { type: 'string', description: 'Each value.' } },
    },
  };
  assert.deepEqual(editorSchema(schema), {
    properties: {
      a: { description: 'A flag.', examples: [true, false] },
      b: { examples: ['x', 'y', 'z'] },
      c: { examples: [3] },
      d: { anyOf: [{}, {}, { items: {} }] },
      e: { additionalProperties: { description: 'Each value.' } },
    },
  });
});
