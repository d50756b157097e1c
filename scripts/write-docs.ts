// Regenerates the documentation derived from code: docs/errors.md and the README's configuration table.
import { readFile, writeFile } from 'node:fs/promises';
import {
  ENVIRONMENT_TABLE_END,
  ENVIRONMENT_TABLE_START,
  renderEnvironmentTable,
} from '../src/config/index.ts';
import { renderErrorDocument } from '../src/main/error-catalogue.ts';

const root = new URL('../', import.meta.url);

await writeFile(new URL('docs/errors.md', root), renderErrorDocument());

const readmeUrl = new URL('README.md', root);
const readme = await readFile(readmeUrl, 'utf8');
const start = readme.indexOf(ENVIRONMENT_TABLE_START);
const end = readme.indexOf(ENVIRONMENT_TABLE_END);
if (start < 0 || end < start) throw new Error('README.md lacks the environment table markers');
await writeFile(
  readmeUrl,
  `${readme.slice(0, start + ENVIRONMENT_TABLE_START.length)}\n${renderEnvironmentTable()}\n${readme.slice(end)}`,
);
process.stdout.write('wrote docs/errors.md and the README configuration table\n');
