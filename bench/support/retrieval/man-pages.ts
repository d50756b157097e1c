/**
 * The fifth Q1 collection, held out from every retrieval setting (decision 0209): a known-item task over
 * the Linux man-pages project's pages as Debian ships them (packages `manpages` and `manpages-dev`). Each
 * page is a document with its NAME section removed; the one-line description of that NAME line (`dup,
 * dup2, dup3 \- duplicate a file descriptor`) is a query whose one relevant document is the page. Read
 * from the files dpkg installed, so the collection is fixed by the two package versions.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { countWords } from '../../../src/local-engine/index.ts';
import { seededRandom, shuffled } from '../../quality/metrics.ts';
import { normalised } from '../../quality/readmes.ts';
import type { CorpusDocument, Dataset, Query } from './dataset.ts';
import { manPageText } from './roff-text.ts';

/** The Debian packages the collection is read from, and the command that installs them. */
export const MAN_PAGE_PACKAGES = ['manpages', 'manpages-dev'] as const;
export const MAN_PAGES_INSTALL = `apt-get install -y ${MAN_PAGE_PACKAGES.join(' ')}`;

/** A collection whose source is not on this machine: the bench says how to get it and skips it. */
export class CollectionUnavailableError extends Error {
  override readonly name = 'CollectionUnavailableError';
}

/** One installed man page file: its path and its roff source (decompressed), or how it redirects. */
export interface ManPageFile {
  readonly path: string;
  readonly source: string;
}

export interface ManPagesOptions {
  /** Pages kept at most, a seeded sample re-sorted by path when there are more (default 1,500). */
  readonly maxPages?: number;
  /** Characters of a page indexed, cut at the last blank line before (default 4,000). */
  readonly maxCharacters?: number;
  /** Words a description needs to be a query (default 3). */
  readonly minQueryWords?: number;
}

export interface ManPagesStats {
  /** Package -> installed version. */
  readonly versions: Readonly<Record<string, string>>;
  /** Page files the packages install (symbolic links included). */
  readonly files: number;
  /** Aliases: symbolic links and `.so` pages that only point at another page. */
  readonly aliases: number;
  /** Pages past `maxPages`, left out of the sample. */
  readonly sampledOut: number;
  readonly documents: number;
  /** Pages longer than `maxCharacters`, cut. */
  readonly cut: number;
  /** Pages without a `name \- description` NAME line: documents, no query. */
  readonly noNameLine: number;
  /** Descriptions under `minQueryWords` words. */
  readonly shortDescriptions: number;
  /** Descriptions found word for word in their own page (NAME removed): dropped as queries. */
  readonly verbatim: number;
  /** Descriptions shared (normalised) by two kept pages or more: no single right answer, dropped. */
  readonly ambiguous: number;
  readonly queries: number;
}

export interface ManPagesCollection extends Dataset {
  readonly stats: ManPagesStats;
}

export const DEFAULT_MAX_PAGES = 1_500;
export const DEFAULT_PAGE_CHARACTERS = 4_000;
const SAMPLE_SEED = 209;

/** `/usr/share/man/man2/dup.2.gz` -> `dup(2)`; undefined for a file that is not a man page. */
export function pageName(file: string): string | undefined {
  const match = /^(.+)\.(\d\w*)(?:\.gz)?$/u.exec(path.basename(file));
  return match ? `${match[1]}(${match[2]})` : undefined;
}

/** A page whose only content is `.so other/page.N`: an alias of that page. */
export function isRedirect(source: string): boolean {
  const lines = source
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^[.']\s*\\"/u.test(line) && line !== '.');
  return lines.length <= 2 && lines.some((line) => /^[.']so\s/u.test(line));
}

/**
 * Builds the collection from page files, deterministically: files in path order; symbolic links (given
 * as a source of '' by the reader) and `.so` redirects are aliases and left out (their target page is
 * indexed once); past `maxPages`, a seeded sample re-sorted by path. Every kept page is a document (id
 * `man:<file name>`, title `name(section)`, the text without its NAME section, cut at the last blank line
 * before `maxCharacters`). The NAME line's description is a query (grade 1 for its own page, nothing else
 * judged) unless it has under `minQueryWords` words, appears word for word in the page's text (a phrase
 * match, decision 0197), or is shared by another kept page.
 */
export function buildManPages(
  files: readonly ManPageFile[],
  versions: Readonly<Record<string, string>> = {},
  options: ManPagesOptions = {},
): ManPagesCollection {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const maxCharacters = options.maxCharacters ?? DEFAULT_PAGE_CHARACTERS;
  const minQueryWords = options.minQueryWords ?? 3;
  const sorted = [...files].sort((left, right) =>
    left.path < right.path ? -1 : left.path > right.path ? 1 : 0,
  );
  const pages = sorted.filter((file) => pageName(file.path) !== undefined);
  const real = pages.filter((file) => file.source !== '' && !isRedirect(file.source));
  const kept =
    real.length > maxPages
      ? shuffled(real, seededRandom(SAMPLE_SEED))
          .slice(0, maxPages)
          .sort((left, right) => (left.path < right.path ? -1 : 1))
      : real;
  let cut = 0;
  const parsed = kept.map((file) => {
    const text = manPageText(file.source);
    const body = leading(text.body, maxCharacters);
    if (body.length < text.body.length) cut += 1;
    return { id: `man:${path.basename(file.path).replace(/\.gz$/u, '')}`, file, text, body };
  });
  const corpus: CorpusDocument[] = parsed.map((page) => ({
    id: page.id,
    title: pageName(page.file.path) ?? page.id,
    text: page.body,
  }));
  const owners = new Map<string, number>();
  for (const page of parsed) {
    const key = normalised(page.text.description);
    if (key !== '') owners.set(key, (owners.get(key) ?? 0) + 1);
  }
  const queries: Query[] = [];
  let noNameLine = 0;
  let shortDescriptions = 0;
  let verbatim = 0;
  let ambiguous = 0;
  for (const page of parsed) {
    const description = page.text.description;
    const key = normalised(description);
    if (key === '') noNameLine += 1;
    else if (countWords(description) < minQueryWords) shortDescriptions += 1;
    // Compared with the whole page, not only the part indexed: a phrase of the page is a phrase match.
    else if (` ${normalised(page.text.body)} `.includes(` ${key} `)) verbatim += 1;
    else if ((owners.get(key) ?? 0) > 1) ambiguous += 1;
    else queries.push({ id: page.id, text: description, judgements: new Map([[page.id, 1]]) });
  }
  return {
    corpus,
    queries,
    stats: {
      versions,
      files: pages.length,
      aliases: pages.length - real.length,
      sampledOut: real.length - kept.length,
      documents: corpus.length,
      cut,
      noNameLine,
      shortDescriptions,
      verbatim,
      ambiguous,
      queries: queries.length,
    },
  };
}

/**
 * The installed pages of `packages`, read through dpkg: the version of each and the page files it
 * installed (a symbolic link read as ''). Throws CollectionUnavailableError, with the install command,
 * when dpkg is missing or a package is not installed.
 */
export function installedManPages(packages: readonly string[] = MAN_PAGE_PACKAGES): {
  readonly versions: Record<string, string>;
  readonly files: ManPageFile[];
} {
  const versions: Record<string, string> = {};
  const files: ManPageFile[] = [];
  for (const name of packages) {
    let listing: string;
    try {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format fields, not a template.
      const status = execFileSync('dpkg-query', ['-W', '-f', '${Status}\t${Version}', name], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const [state = '', version = ''] = status.split('\t');
      if (!state.endsWith(' installed')) throw new Error(`${name} is not installed (${state})`);
      versions[name] = version;
      listing = execFileSync('dpkg-query', ['-L', name], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch (error) {
      throw new CollectionUnavailableError(
        `man-pages needs the Debian packages ${packages.join(' and ')} (${(error as Error).message.split('\n')[0]}); install them with \`${MAN_PAGES_INSTALL}\` (as root) and run again`,
        { cause: error },
      );
    }
    for (const file of listing.split('\n')) {
      if (!/^\/usr\/share\/man\/man\d\/[^/]+$/u.test(file)) continue;
      const link = lstatSync(file, { throwIfNoEntry: false });
      if (link === undefined || link.isDirectory()) continue;
      if (link.isSymbolicLink()) {
        files.push({ path: file, source: '' });
        continue;
      }
      const bytes = readFileSync(file);
      files.push({ path: file, source: (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8') });
    }
  }
  return { versions, files };
}

/** The collection from the installed packages (decision 0209's settings). */
export function loadManPages(options: ManPagesOptions = {}): ManPagesCollection {
  const { versions, files } = installedManPages();
  return buildManPages(files, versions, options);
}

/** The text up to `limit` characters, cut at the last blank line before it (or at the limit). */
function leading(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const end = cut.lastIndexOf('\n\n');
  return (end > limit / 2 ? cut.slice(0, end) : cut).trimEnd();
}
