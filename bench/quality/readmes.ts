import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { countWords, splitSentences, summaryProse } from '../../src/local-engine/index.ts';
import { seededRandom, shuffled } from './metrics.ts';
import type { Article } from './summaries.ts';

/** The project's installed dependency tree: what `npm ci` lays down from package-lock.json. */
export const NODE_MODULES = path.resolve(import.meta.dirname, '../../node_modules');

/** Package folders under a node_modules folder, scoped ones and nested node_modules included, sorted. */
function packageFolders(directory: string): string[] {
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

const MAX_PER_SCOPE = 10;

const normalised = (text: string) =>
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
    const readme = readdirSync(folder)
      .sort()
      .find((file) => /^readme(?:\.md|\.markdown)?$/iu.test(file));
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
      const scope = article.source?.startsWith('@') === true ? article.source.split('/')[0] : article.source;
      const seen = perScope.get(scope ?? '') ?? 0;
      perScope.set(scope ?? '', seen + 1);
      return seen < MAX_PER_SCOPE;
    })
    .slice(0, count);
}
