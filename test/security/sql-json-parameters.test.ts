import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 17, item 3 (decision 0125): JSON text an SQL adapter builds for a `jsonb` parameter must come from
 * `jsonParameter`, which makes NUL and lone surrogates safe; `JSON.stringify` writes them as escapes
 * PostgreSQL refuses, failing the statement (and, in a batch, every row with it). Every SQL adapter file is
 * checked, so a new one cannot reopen the hole.
 */
const SOURCE = path.resolve(import.meta.dirname, '../../src');

/** `JSON.stringify` uses that never reach a `jsonb` parameter, each with its reason. */
const ALLOWED = [
  { file: 'sql-job-store.ts', line: 'unexpected outcome', why: 'an error message' },
  { file: 'sql-chunk-index.ts', line: 'headingPath', why: 'stored in a text[] column as text' },
];

async function sqlAdapters(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /^sql-.*\.ts$/.test(entry.name) && !entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('SQL adapters build jsonb parameters with jsonParameter', () => {
  it('no adapter passes JSON.stringify text to the database', async () => {
    const files = await sqlAdapters(SOURCE);
    expect(files.length).toBeGreaterThan(10);
    const offences: string[] = [];
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (!line.includes('JSON.stringify(')) return;
        const allowed = ALLOWED.some(
          (entry) => path.basename(file) === entry.file && line.includes(entry.line),
        );
        if (!allowed) offences.push(`${path.relative(SOURCE, file)}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(offences).toEqual([]);
  });
});
