/**
 * The schema the extension gives VS Code's JSON service (`contributes.jsonValidation`): the
 * one schema (../schemas/workstream.schema.json) with its annotations only, for hover and
 * completion, and nothing that validates.
 *
 * The server reports every schema mistake itself (WS002, as an error, with its "did you
 * mean"). If VS Code validated against the full schema too, each mistake would show twice, once
 * as VS Code's yellow warning without the hint. So the copy keeps titles, descriptions,
 * defaults, examples, properties, items and references, turns `enum` and `const` into
 * `examples` (still offered as completions) and booleans into `examples: [true, false]`, turns
 * `oneOf` into `anyOf` (alternatives that all accept everything must not "match several"),
 * and drops every other keyword: `type`, `required`, `additionalProperties: false`, ranges,
 * patterns, lengths, `propertyNames`, `if`/`then`/`else`, `not`.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keywords copied as they are (annotations, and VS Code's own parse options). */
const ANNOTATIONS = new Set([
  '$schema', '$id', '$comment', 'title', 'description', 'markdownDescription', 'default',
  'doNotSuggest', 'suggestSortText', 'allowComments', 'allowTrailingCommas',
  'defaultSnippets',
]);
/** Keywords whose value is a map of name to schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function same(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `schema` (any JSON Schema value) with its annotations only. */
export function editorSchema(schema: Json): Json {
  if (!isObject(schema)) return schema; // `true`, `false`, or not a schema at all
  const out: JsonObject = {};
  const examples: Json[] = [];
  const addExample = (value: Json) => {
    if (!examples.some((known) => same(known, value))) examples.push(value);
  };
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) out[key] = value;
    else if (key === '$ref' && typeof value === 'string') out[key] = value;
    else if (SCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, editorSchema(sub)]));
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      const list = value.map(editorSchema);
      const name = key === 'oneOf' ? 'anyOf' : key;
      out[name] = Array.isArray(out[name]) ? [...(out[name] as Json[]), ...list] : list;
    } else if (key === 'items') {
      out[key] = Array.isArray(value) ? value.map(editorSchema) : editorSchema(value);
    } else if (key === 'additionalProperties' && isObject(value)) {
      out[key] = editorSchema(value);
    }
  }
  // Values to complete: the enum's, the const, the examples, true and false for a boolean.
  if (Array.isArray(schema.enum)) schema.enum.forEach(addExample);
  if ('const' in schema) addExample(schema.const);
  if (Array.isArray(schema.examples)) schema.examples.forEach(addExample);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('boolean')) [true, false].forEach(addExample);
  if (examples.length) out.examples = examples;
  return out;
}

/**
 * The keywords that validate, which {@link editorSchema} never leaves in (for the tests);
 * `additionalProperties` stays only as a schema (for the values of a map, such as `tools`).
 */
export const VALIDATION_KEYWORDS: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', 'required', 'unevaluatedProperties', 'deprecated',
  'unevaluatedItems', 'propertyNames', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format', 'minItems',
  'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'minProperties',
  'maxProperties', 'dependentRequired', 'dependentSchemas', 'dependencies', 'if', 'then',
  'else', 'not', 'oneOf', 'errorMessage', 'patternErrorMessage', 'deprecationMessage',
]);
