import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** `bench/results/` (git-ignored). */
export const RESULTS_DIR = path.join(import.meta.dirname, '..', 'results');

/** Writes `bench/results/<name>.json` and returns its path. */
export async function writeResults(name: string, data: unknown): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
