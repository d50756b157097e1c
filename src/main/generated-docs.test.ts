import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_TABLE_END, ENVIRONMENT_TABLE_START, renderEnvironmentTable } from '../config/index.ts';
import { errorCatalogue, renderErrorDocument } from './error-catalogue.ts';

const root = new URL('../../', import.meta.url);

describe('documentation generated from code (run `npm run docs` when this fails)', () => {
  it('docs/errors.md matches the error catalogue', async () => {
    expect(await readFile(new URL('docs/errors.md', root), 'utf8')).toBe(renderErrorDocument());
  });

  it('no error code is declared twice', () => {
    const codes = errorCatalogue.flatMap(({ errors }) => errors.map((error) => error.code));
    expect(codes.length).toBe(new Set(codes).size);
  });

  it("the README's configuration table matches the environment schema", async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8');
    const start = readme.indexOf(ENVIRONMENT_TABLE_START) + ENVIRONMENT_TABLE_START.length;
    const end = readme.indexOf(ENVIRONMENT_TABLE_END);
    expect(readme.slice(start, end).trim()).toBe(renderEnvironmentTable());
  });
});
