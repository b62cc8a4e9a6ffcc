// Writes the extension's copy of the one schema (../schemas/workstream.schema.json) for its
// jsonValidation contribution: annotations only (see src/editorSchema.ts), because the server
// reports every schema mistake itself. The copy is a build product (git-ignored): never edit it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { editorSchema } from '../src/editorSchema';

const extension = join(__dirname, '..');
const schema = JSON.parse(readFileSync(join(extension, '..', 'schemas', 'workstream.schema.json'), 'utf8'));
mkdirSync(join(extension, 'schemas'), { recursive: true });
writeFileSync(join(extension, 'schemas', 'workstream.schema.json'), `${JSON.stringify(editorSchema(schema), null, 2)}\n`);
