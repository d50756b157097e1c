/**
 * The fourth Q1 collection, held out from every retrieval setting (decision 0197): a known-item task over
 * the READMEs of the installed npm dependencies. Each package's README is a document; each package's
 * `description` (the one line its author wrote) is a query whose one relevant document is that package's
 * README. Read from the dependency tree `npm ci` lays down, so the collection is fixed by package-lock.json;
 * the same source as the second Q3 set (bench/quality/readmes.ts, decision 0195), read the same way.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { countWords } from '../../../src/local-engine/index.ts';
import {
  MAX_PER_SCOPE,
  NODE_MODULES,
  normalised,
  packageFolders,
  readmeFile,
  scopeOf,
} from '../../quality/readmes.ts';
import type { CorpusDocument, Dataset, Query } from './dataset.ts';

export interface NpmReadmesOptions {
  /** Packages of one npm scope kept, the first in name order (default 10, as the Q3 set). */
  readonly maxPerScope?: number;
  /** Characters of a README indexed, cut at the last blank line before (default 12,000). */
  readonly maxCharacters?: number;
}

export interface NpmReadmesStats {
  /** Distinct package names with a README under node_modules. */
  readonly withReadme: number;
  /** READMEs under 30 words (stubs that point elsewhere). */
  readonly tooShort: number;
  /** Packages left out past the scope cap. */
  readonly overScopeCap: number;
  /** READMEs identical (normalised) to one already kept, left out with their package. */
  readonly duplicateReadmes: number;
  readonly documents: number;
  /** Descriptions under 4 words, or none. */
  readonly shortDescriptions: number;
  /** Descriptions found word for word in their own README: dropped as queries. */
  readonly verbatim: number;
  /** Descriptions shared (normalised) by two packages or more: no single right answer, dropped. */
  readonly ambiguous: number;
  readonly queries: number;
}

export interface NpmReadmesCollection extends Dataset {
  readonly stats: NpmReadmesStats;
}

export const DEFAULT_README_CHARACTERS = 12_000;

/**
 * Builds the collection from a node_modules folder, deterministically: packages in sorted folder order
 * (nested node_modules after their parent), one version per name (the first met), at most `maxPerScope`
 * per npm scope (the first in that order), one copy of a README shared by several packages. Every kept
 * README is a document (id `npm:<name>`, title the package name, Markdown); a package's description is a
 * query (grade 1 for its own README, nothing else judged) unless it has under 4 words, appears word for
 * word in its README (the answer would be a phrase match, decision 0197), or is shared with another kept
 * package. Keywords are not used as queries: they are tag lists, often the package name itself.
 */
export function buildNpmReadmes(
  directory: string = NODE_MODULES,
  options: NpmReadmesOptions = {},
): NpmReadmesCollection {
  const maxPerScope = options.maxPerScope ?? MAX_PER_SCOPE;
  const maxCharacters = options.maxCharacters ?? DEFAULT_README_CHARACTERS;
  const names = new Set<string>();
  const perScope = new Map<string, number>();
  const readmes = new Set<string>();
  const kept: { name: string; description: string; readme: string }[] = [];
  let withReadme = 0;
  let tooShort = 0;
  let overScopeCap = 0;
  let duplicateReadmes = 0;
  for (const folder of packageFolders(directory)) {
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as {
      name?: unknown;
      description?: unknown;
    };
    if (typeof manifest.name !== 'string' || names.has(manifest.name)) continue;
    names.add(manifest.name);
    const file = readmeFile(folder);
    if (file === undefined) continue;
    withReadme += 1;
    const readme = readFileSync(path.join(folder, file), 'utf8');
    if (countWords(readme) < 30) {
      tooShort += 1;
      continue;
    }
    const scope = scopeOf(manifest.name);
    const inScope = perScope.get(scope) ?? 0;
    if (inScope >= maxPerScope) {
      overScopeCap += 1;
      continue;
    }
    const key = normalised(readme);
    if (readmes.has(key)) {
      duplicateReadmes += 1;
      continue;
    }
    readmes.add(key);
    perScope.set(scope, inScope + 1);
    const description = typeof manifest.description === 'string' ? manifest.description.trim() : '';
    kept.push({ name: manifest.name, description, readme });
  }
  const corpus: CorpusDocument[] = kept.map((entry) => ({
    id: `npm:${entry.name}`,
    title: entry.name,
    text: leading(entry.readme, maxCharacters),
  }));
  const owners = new Map<string, number>();
  for (const entry of kept) {
    const key = normalised(entry.description);
    if (key !== '') owners.set(key, (owners.get(key) ?? 0) + 1);
  }
  const queries: Query[] = [];
  let shortDescriptions = 0;
  let verbatim = 0;
  let ambiguous = 0;
  for (const entry of kept) {
    const key = normalised(entry.description);
    if (countWords(entry.description) < 4) shortDescriptions += 1;
    else if (normalised(entry.readme).includes(key)) verbatim += 1;
    else if ((owners.get(key) ?? 0) > 1) ambiguous += 1;
    else
      queries.push({
        id: `npm:${entry.name}`,
        text: entry.description,
        judgements: new Map([[`npm:${entry.name}`, 1]]),
      });
  }
  return {
    corpus,
    queries,
    mediaType: 'text/markdown',
    stats: {
      withReadme,
      tooShort,
      overScopeCap,
      duplicateReadmes,
      documents: corpus.length,
      shortDescriptions,
      verbatim,
      ambiguous,
      queries: queries.length,
    },
  };
}

/** The text up to `limit` characters, cut at the last blank line before it (or at the limit). */
function leading(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const end = cut.lastIndexOf('\n\n');
  return (end > limit / 2 ? cut.slice(0, end) : cut).trimEnd();
}
