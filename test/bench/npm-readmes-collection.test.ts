import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildNpmReadmes } from '../../bench/support/retrieval/npm-readmes.ts';

const filler = (topic: string) =>
  `This package is about ${topic}. ${'It has options, examples and an API section that explains each call in turn. '.repeat(4).trim()}`;

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A node_modules folder with the given packages, written in the order given. */
function nodeModules(
  packages: readonly { name: string; description?: string; readme?: string; under?: string }[],
): string {
  const root = mkdtempSync(path.join(tmpdir(), 'keel-npm-readmes-'));
  directories.push(root);
  for (const entry of packages) {
    const folder = path.join(root, entry.under ?? '', entry.name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'package.json'),
      JSON.stringify({ name: entry.name, version: '1.0.0', description: entry.description }),
    );
    if (entry.readme !== undefined) writeFileSync(path.join(folder, 'README.md'), entry.readme);
  }
  return root;
}

describe('the npm-readmes retrieval collection', () => {
  it('drops a description found word for word in its README as a query, and keeps the README as a document', () => {
    const directory = nodeModules([
      {
        name: 'quoter',
        description: 'Formats quotations for printing',
        readme: `# quoter\n\nFormats   quotations, for printing!\n\n${filler('quotes')}`,
      },
      {
        name: 'widgets',
        description: 'Turns widgets into gadgets at speed',
        readme: `# widgets\n\n${filler('widget conversion')}`,
      },
    ]);
    const collection = buildNpmReadmes(directory);
    expect(collection.corpus.map((document) => document.id)).toEqual(['npm:quoter', 'npm:widgets']);
    expect(collection.queries.map((query) => [query.id, query.text, [...query.judgements]])).toEqual([
      ['npm:widgets', 'Turns widgets into gadgets at speed', [['npm:widgets', 1]]],
    ]);
    expect(collection.stats).toMatchObject({ verbatim: 1, queries: 1, documents: 2 });
    expect(collection.mediaType).toBe('text/markdown');
  });

  it('keeps at most maxPerScope packages of a scope, the first by name, and counts unscoped packages apart', () => {
    const scoped = ['e', 'a', 'd', 'b', 'c'].map((letter) => ({
      name: `@many/${letter}`,
      description: `Package ${letter} does one small thing well`,
      readme: filler(`scoped package ${letter}`),
    }));
    const unscoped = ['x', 'y', 'z'].map((letter) => ({
      name: letter,
      description: `Package ${letter} does another small thing`,
      readme: filler(`unscoped package ${letter}`),
    }));
    const collection = buildNpmReadmes(nodeModules([...scoped, ...unscoped]), { maxPerScope: 2 });
    expect(collection.corpus.map((document) => document.id)).toEqual([
      'npm:@many/a',
      'npm:@many/b',
      'npm:x',
      'npm:y',
      'npm:z',
    ]);
    expect(collection.stats.overScopeCap).toBe(3);
  });

  it('is the same collection whatever order the folders were written in', () => {
    const packages = ['delta', 'alpha', '@s/charlie', 'bravo', '@s/echo'].map((name) => ({
      name,
      description: `The ${name} library for testing order`,
      readme: filler(name),
    }));
    const forward = buildNpmReadmes(nodeModules(packages));
    const backward = buildNpmReadmes(nodeModules([...packages].reverse()));
    expect(backward).toEqual(forward);
    expect(forward.corpus.map((document) => document.title)).toEqual([
      '@s/charlie',
      '@s/echo',
      'alpha',
      'bravo',
      'delta',
    ]);
  });

  it('leaves out stub READMEs, repeated READMEs, short and shared descriptions, and a second version of a name', () => {
    const directory = nodeModules([
      { name: 'stub', description: 'A stub package with four words', readme: 'See the website.' },
      { name: 'first', description: 'Parses things into other things', readme: filler('parsing') },
      { name: 'later-copy', description: 'A copy of the first package', readme: filler('parsing') },
      { name: 'terse', description: 'Tiny helper', readme: filler('helping') },
      { name: 'twin-a', description: 'Shared words for two packages', readme: filler('twin a') },
      { name: 'twin-b', description: 'Shared words, for two packages', readme: filler('twin b') },
      { name: 'first', under: 'terse/node_modules', description: 'An older first', readme: filler('old') },
      { name: 'noreadme', description: 'This package has no README at all' },
    ]);
    const collection = buildNpmReadmes(directory);
    expect(collection.corpus.map((document) => document.id)).toEqual([
      'npm:first',
      'npm:terse',
      'npm:twin-a',
      'npm:twin-b',
    ]);
    expect(collection.queries.map((query) => query.id)).toEqual(['npm:first']);
    expect(collection.stats).toMatchObject({
      withReadme: 6,
      tooShort: 1,
      duplicateReadmes: 1,
      shortDescriptions: 1,
      ambiguous: 2,
    });
  });

  it('indexes a long README up to maxCharacters, cut at a blank line', () => {
    const paragraphs = Array.from({ length: 40 }, (_, index) => `Paragraph ${index}. ${filler('length')}`);
    const directory = nodeModules([
      { name: 'long', description: 'A package with a very long README', readme: paragraphs.join('\n\n') },
    ]);
    const [document] = buildNpmReadmes(directory, { maxCharacters: 2_000 }).corpus;
    expect(document?.text.length).toBeLessThanOrEqual(2_000);
    expect(document?.text.length).toBeGreaterThan(1_000);
    expect(paragraphs.join('\n\n').startsWith(`${document?.text}\n\n`)).toBe(true);
  });
});
