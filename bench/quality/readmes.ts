import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { countWords, splitSentences, summaryProse } from '../../src/local-engine/index.ts';
import { seededRandom, shuffled } from './metrics.ts';
import type { Article } from './summaries.ts';

/** The project's installed dependency tree: what `npm ci` lays down from package-lock.json. */
export const NODE_MODULES = path.resolve(import.meta.dirname, '../../node_modules');

/** Package folders under a node_modules folder, scoped ones and nested node_modules included, sorted. */
export function packageFolders(directory: string): string[] {
  const folders: string[] = [];
  const visit = (folder: string) => {
    if (!existsSync(path.join(folder, 'package.json'))) return;
    folders.push(folder);
    const nested = path.join(folder, 'node_modules');
    if (existsSync(nested)) walk(nested);
  };
  const walk = (modules: string) => {
    for (const name of readdirSync(modules).sort()) {
      if (name.startsWith('.')) continue;
      const full = path.join(modules, name);
      if (name.startsWith('@')) for (const scoped of readdirSync(full).sort()) visit(path.join(full, scoped));
      else visit(full);
    }
  };
  walk(directory);
  return folders;
}

/** At most this many packages of one npm scope (an unscoped package is its own scope). */
export const MAX_PER_SCOPE = 10;

/** A package's npm scope (`@stdlib`), or its name when it has none. */
export const scopeOf = (name: string) => (name.startsWith('@') ? (name.split('/')[0] ?? name) : name);

/** A package folder's README file name (the first in sorted order), if it has one. */
export function readmeFile(folder: string): string | undefined {
  return readdirSync(folder)
    .sort()
    .find((file) => /^readme(?:\.md|\.markdown)?$/iu.test(file));
}

/** Lower case, runs of anything but letters and digits as one space: what 'word for word' compares. */
export const normalised = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * npm package READMEs with the package's `description` (a one-line human summary its author wrote) as
 * the reference: the second Q3 set (decision 0195). Read from the installed dependency tree, so the set
 * is fixed by package-lock.json. One version per package name; kept when the description has at least
 * 4 words and the README's prose (as the summariser reads it) at least 5 sentences. READMEs that contain
 * the description word for word are left out: the reference would be in the input, and whichever
 * system quotes it wins by copying, not by choosing. At most 10 packages of one npm scope are kept
 * (@stdlib alone has dozens of READMEs made from one template).
 */
export function loadReadmes(count: number, seed: number, directory: string = NODE_MODULES): Article[] {
  const seen = new Set<string>();
  const articles: Article[] = [];
  for (const folder of packageFolders(directory)) {
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as {
      name?: unknown;
      description?: unknown;
    };
    if (typeof manifest.name !== 'string' || seen.has(manifest.name)) continue;
    seen.add(manifest.name);
    const description = typeof manifest.description === 'string' ? manifest.description.trim() : '';
    const readme = readmeFile(folder);
    if (readme === undefined || countWords(description) < 4) continue;
    const text = readFileSync(path.join(folder, readme), 'utf8');
    const { prose } = summaryProse(text);
    if (normalised(prose).includes(normalised(description))) continue;
    if (splitSentences(prose).length < 5) continue;
    articles.push({ reference: description, text, source: manifest.name });
  }
  const perScope = new Map<string, number>();
  return shuffled(articles, seededRandom(seed))
    .filter((article) => {
      const scope = scopeOf(article.source ?? '');
      const seen = perScope.get(scope) ?? 0;
      perScope.set(scope, seen + 1);
      return seen < MAX_PER_SCOPE;
    })
    .slice(0, count);
}
