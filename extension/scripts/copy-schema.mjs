// Copies the one schema (../schemas/workstream.schema.json) into the extension for its
// jsonValidation contribution. The copy is a build product (git-ignored): never edit it.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const extension = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(extension, 'schemas'), { recursive: true });
copyFileSync(
  join(extension, '..', 'schemas', 'workstream.schema.json'),
  join(extension, 'schemas', 'workstream.schema.json'),
);
