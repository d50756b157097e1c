import { writeFile } from 'node:fs/promises';
import { renderErrorDocument } from '../src/main/error-catalogue.ts';

await writeFile(new URL('../docs/errors.md', import.meta.url), renderErrorDocument());
process.stdout.write('wrote docs/errors.md\n');
