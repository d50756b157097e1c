import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PARSE_LIMITS,
  DocumentParseError,
  DocumentParseLimitError,
  MEDIA_TYPES,
  type ParseLimits,
  parseDocument,
  SUPPORTED_MEDIA_TYPES,
  type SupportedMediaType,
} from '../../src/modules/documents/index.ts';
import { flateBombPdf, longTextPdf, manyPagesPdf, nestedArrayPdf } from '../fixtures/documents/pdf-writer.ts';
import {
  DOCUMENT_XML_HEAD,
  DOCUMENT_XML_TAIL,
  deflateRepeated,
  docxShell,
  simpleDocx,
  zipBytes,
  zipEntry,
} from '../fixtures/documents/zip-writer.ts';

/**
 * R10 over every parser: decompression bombs, deep nesting, huge and amplifying documents, built at test
 * time. Each either fails with DocumentParseLimitError naming the limit it broke (DOCUMENTS_PARSE_LIMIT_
 * EXCEEDED), fails as a damaged document, or parses within the limits, and none may grow the process's
 * memory by more than a loose bound. Nothing here asserts a duration; a parser that went quadratic or
 * unbounded again would run into the test timeout instead.
 */

type Outcome = { readonly limit: keyof ParseLimits } | 'damaged' | 'parses';

interface HostileCase {
  readonly mediaType: SupportedMediaType;
  readonly name: string;
  readonly bytes: () => Promise<Uint8Array> | Uint8Array;
  /** Lowered (or, to isolate one check, raised) limits; the defaults otherwise. */
  readonly limits?: Partial<ParseLimits>;
  readonly outcome: Outcome;
}

const MEBIBYTE = 1024 * 1024;
const MEMORY_GROWTH_BOUND = 300 * MEBIBYTE;
const text = (value: string) => Buffer.from(value);

/** A DOCX whose `word/document.xml` is `megabytes` MB of one letter, deflated (~1,000 to 1). */
async function docxBomb(megabytes: number, declaredSize?: number): Promise<Buffer> {
  const data = await deflateRepeated({
    head: DOCUMENT_XML_HEAD,
    chunk: 'a'.repeat(MEBIBYTE),
    times: megabytes,
    tail: DOCUMENT_XML_TAIL,
  });
  const trueSize = DOCUMENT_XML_HEAD.length + megabytes * MEBIBYTE + DOCUMENT_XML_TAIL.length;
  return zipBytes([
    ...docxShell(),
    { name: 'word/document.xml', data, method: 8, declaredSize: declaredSize ?? trueSize },
  ]);
}

function docxWithEntries(count: number, declaredCount?: number): Buffer {
  return zipBytes(
    [
      ...docxShell(),
      ...Array.from({ length: count }, (_, index) => zipEntry(`word/media/image${index}.png`, 'x', 0)),
      zipEntry('word/document.xml', `${DOCUMENT_XML_HEAD}x${DOCUMENT_XML_TAIL}`),
    ],
    { declaredCount },
  );
}

const DEEP = 100_000;

const cases: readonly HostileCase[] = [
  // DOCX: the zip is inspected before mammoth sees it.
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'zip bomb: document.xml inflates to 100 MB, size declared honestly',
    bytes: () => docxBomb(100),
    outcome: { limit: 'maxUncompressedBytes' },
  },
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'zip bomb with a lying header: declares 10 KB, inflates to 100 MB',
    bytes: () => docxBomb(100, 10_000),
    outcome: { limit: 'maxUncompressedBytes' },
  },
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'zip bomb under the size limit (20 MB) but compressed 1,000 to 1',
    bytes: () => docxBomb(20),
    outcome: { limit: 'maxCompressionRatio' },
  },
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'zip of 5,000 entries',
    bytes: () => docxWithEntries(5_000),
    outcome: { limit: 'maxZipEntries' },
  },
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'zip whose end record under-states its 5,000 entries as 3',
    bytes: () => docxWithEntries(5_000, 3),
    outcome: { limit: 'maxZipEntries' },
  },
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'document.xml nested 100,000 elements deep',
    bytes: () =>
      zipBytes([
        ...docxShell(),
        zipEntry('word/document.xml', `<?xml version="1.0"?>${'<a>'.repeat(DEEP)}${'</a>'.repeat(DEEP)}`),
      ]),
    outcome: { limit: 'maxNestingDepth' },
  },
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'entity expansion (billion laughs) through a DTD',
    bytes: () =>
      zipBytes([
        ...docxShell(),
        zipEntry(
          'word/document.xml',
          `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, index) => `<!ENTITY ${String.fromCharCode(98 + index)} "${`&${String.fromCharCode(97 + index)};`.repeat(10)}">`).join('')}]>${DOCUMENT_XML_HEAD.replace(/^<\?xml[^>]*>/, '')}&j;${DOCUMENT_XML_TAIL}`,
        ),
      ]),
    outcome: 'damaged',
  },
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'text past maxCharacters',
    bytes: () => simpleDocx('word '.repeat(10_000)),
    limits: { maxCharacters: 1_000 },
    outcome: { limit: 'maxCharacters' },
  },
  {
    mediaType: MEDIA_TYPES.docx,
    name: 'a small real document',
    bytes: () => simpleDocx('Everyone wears a life jacket.'),
    outcome: 'parses',
  },

  // PDF: streams measured before pdf.js decodes them, pages and characters counted as they come.
  {
    mediaType: MEDIA_TYPES.pdf,
    name: '5,000 pages',
    bytes: () => manyPagesPdf(5_000),
    outcome: { limit: 'maxPdfPages' },
  },
  {
    mediaType: MEDIA_TYPES.pdf,
    name: 'Flate bomb: one content stream inflating to 200 MB',
    bytes: () => flateBombPdf(200),
    outcome: { limit: 'maxUncompressedBytes' },
  },
  {
    mediaType: MEDIA_TYPES.pdf,
    name: 'Flate bomb that mentions /Encrypt (streams that inflate are still measured)',
    bytes: async () => {
      const bomb = await flateBombPdf(200);
      return Buffer.concat([bomb.subarray(0, 9), Buffer.from('%/Encrypt 9 0 R\n'), bomb.subarray(9)]);
    },
    outcome: { limit: 'maxUncompressedBytes' },
  },
  {
    mediaType: MEDIA_TYPES.pdf,
    name: 'Flate bomb wrapped in ASCIIHexDecode',
    bytes: () => flateBombPdf(200, 'hex'),
    outcome: { limit: 'maxUncompressedBytes' },
  },
  {
    mediaType: MEDIA_TYPES.pdf,
    name: 'Flate bomb wrapped in ASCII85Decode',
    bytes: () => flateBombPdf(200, 'ascii85'),
    outcome: { limit: 'maxUncompressedBytes' },
  },
  {
    mediaType: MEDIA_TYPES.pdf,
    name: 'Flate stream under the size limit (20 MB) but compressed 1,000 to 1',
    bytes: () => flateBombPdf(20),
    outcome: { limit: 'maxCompressionRatio' },
  },
  {
    mediaType: MEDIA_TYPES.pdf,
    name: 'text past maxCharacters',
    bytes: () => longTextPdf('x'.repeat(100), 2_000),
    limits: { maxCharacters: 10_000 },
    outcome: { limit: 'maxCharacters' },
  },
  {
    mediaType: MEDIA_TYPES.pdf,
    name: 'an array nested 100,000 deep',
    bytes: () => nestedArrayPdf(DEEP),
    outcome: 'damaged',
  },
  {
    mediaType: MEDIA_TYPES.pdf,
    name: 'one paragraph of 10,000 lines (joined in linear time)',
    bytes: () =>
      longTextPdf('the keel keeps the boat upright and stops it sliding sideways in the wind', 10_000),
    limits: { maxCompressionRatio: 100_000 },
    outcome: 'parses',
  },

  // HTML: nesting that drives output is counted; the scanner reads each character once.
  {
    mediaType: MEDIA_TYPES.html,
    name: 'lists nested 100,000 deep',
    bytes: () => text('<ul><li>'.repeat(DEEP)),
    outcome: { limit: 'maxNestingDepth' },
  },
  {
    mediaType: MEDIA_TYPES.html,
    name: 'tables nested 100,000 deep',
    bytes: () => text('<table><tr><td>'.repeat(DEEP)),
    outcome: { limit: 'maxNestingDepth' },
  },
  {
    mediaType: MEDIA_TYPES.html,
    name: 'pre nested 100,000 deep',
    bytes: () => text('<pre>'.repeat(DEEP)),
    outcome: { limit: 'maxNestingDepth' },
  },
  {
    mediaType: MEDIA_TYPES.html,
    name: 'divs nested 100,000 deep (no output nesting)',
    bytes: () => text(`${'<div>'.repeat(DEEP)}deep${'</div>'.repeat(DEEP)}`),
    outcome: 'parses',
  },
  {
    mediaType: MEDIA_TYPES.html,
    name: 'list indentation amplified: 200 nested lists, then 1,000,000 items',
    bytes: () => text(`${'<ul>'.repeat(200)}${'<li>'.repeat(1_000_000)}`),
    outcome: { limit: 'maxCharacters' },
  },
  {
    mediaType: MEDIA_TYPES.html,
    name: 'unclosed tags, comments, quotes and processing instructions (1 MB each)',
    bytes: () =>
      text(
        `${'<a '.repeat(350_000)}<p>${'<!--'.repeat(250_000)}<b x="${'<a "'.repeat(250_000)}<?x`.repeat(1),
      ),
    outcome: 'parses',
  },
  {
    mediaType: MEDIA_TYPES.html,
    name: 'more bytes than maxUncompressedBytes',
    bytes: () => text('<p>words</p>'.repeat(200_000)),
    limits: { maxUncompressedBytes: MEBIBYTE },
    outcome: { limit: 'maxUncompressedBytes' },
  },

  // JSON: nesting measured before JSON.parse, rendered characters counted as they are built.
  {
    mediaType: MEDIA_TYPES.json,
    name: 'arrays nested 100,000 deep',
    bytes: () => text(`${'['.repeat(DEEP)}${']'.repeat(DEEP)}`),
    outcome: { limit: 'maxNestingDepth' },
  },
  {
    mediaType: MEDIA_TYPES.json,
    name: 'objects nested 100,000 deep',
    bytes: () => text(`${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`),
    outcome: { limit: 'maxNestingDepth' },
  },
  {
    mediaType: MEDIA_TYPES.json,
    name: 'key paths amplified: 150 levels of 1 KB keys over 10,000 leaves',
    bytes: () => {
      let record: unknown = Object.fromEntries(
        Array.from({ length: 10_000 }, (_, index) => [`f${index}`, index]),
      );
      for (let level = 0; level < 150; level++) record = { [`${level}`.padEnd(1_000, 'k')]: record };
      return text(JSON.stringify([record]));
    },
    outcome: { limit: 'maxCharacters' },
  },
  {
    mediaType: MEDIA_TYPES.json,
    name: '300,000 records',
    bytes: () => text(JSON.stringify(Array.from({ length: 300_000 }, (_, index) => [index, { a: index }]))),
    outcome: { limit: 'maxBlocks' },
  },
  {
    mediaType: MEDIA_TYPES.json,
    name: 'arrays nested 100,000 deep with the nesting limit lifted (the stack-overflow net)',
    bytes: () => text(`${'[[1],'.repeat(DEEP)}1${']'.repeat(DEEP)}`),
    limits: { maxNestingDepth: 10_000_000 },
    outcome: 'damaged',
  },
  {
    mediaType: MEDIA_TYPES.json,
    name: 'brackets inside strings do not count as nesting',
    bytes: () => text(JSON.stringify({ title: '['.repeat(DEEP), body: '{"\\"'.repeat(1_000) })),
    outcome: 'parses',
  },

  // Markdown: quotes and list indentation are nesting; every expression is linear in its line.
  {
    mediaType: MEDIA_TYPES.markdown,
    name: 'block quotes nested 100,000 deep',
    bytes: () => text(`${'>'.repeat(DEEP)} deep`),
    outcome: { limit: 'maxNestingDepth' },
  },
  {
    mediaType: MEDIA_TYPES.markdown,
    name: 'a list item indented 200,000 spaces (100,000 levels)',
    bytes: () => text(`- top\n${' '.repeat(2 * DEEP)}- deep`),
    outcome: { limit: 'maxNestingDepth' },
  },
  {
    mediaType: MEDIA_TYPES.markdown,
    name: 'lines of unclosed inline markup (1 MB each)',
    bytes: () =>
      text(
        [
          `# ${' '.repeat(MEBIBYTE)}x`,
          `a|b\n${' '.repeat(MEBIBYTE)}x`,
          '**a '.repeat(250_000),
          '['.repeat(MEBIBYTE),
          '![a]('.repeat(200_000),
          '[a](x'.repeat(200_000),
          '<http:'.repeat(170_000),
          '`'.repeat(MEBIBYTE),
          `\`\`\`\n${' '.repeat(MEBIBYTE)}x\n\`\`\``,
        ].join('\n\n'),
      ),
    outcome: 'parses',
  },
  {
    mediaType: MEDIA_TYPES.markdown,
    name: '300,000 paragraphs',
    bytes: () => text('para\n\n'.repeat(300_000)),
    outcome: { limit: 'maxBlocks' },
  },

  // Plain text.
  {
    mediaType: MEDIA_TYPES.text,
    name: 'one line of 10 MB',
    bytes: () => text('word '.repeat(2 * MEBIBYTE)),
    outcome: 'parses',
  },
  {
    mediaType: MEDIA_TYPES.text,
    name: 'more bytes than maxUncompressedBytes',
    bytes: () => text('word '.repeat(MEBIBYTE)),
    limits: { maxUncompressedBytes: MEBIBYTE },
    outcome: { limit: 'maxUncompressedBytes' },
  },
  {
    mediaType: MEDIA_TYPES.text,
    name: '300,000 paragraphs',
    bytes: () => text('para\n\n'.repeat(300_000)),
    outcome: { limit: 'maxBlocks' },
  },
  {
    mediaType: MEDIA_TYPES.text,
    name: 'text past maxCharacters',
    bytes: () => text('word '.repeat(10_000)),
    limits: { maxCharacters: 1_000 },
    outcome: { limit: 'maxCharacters' },
  },
];

describe('hostile documents (R10)', () => {
  it('has hostile cases for every supported media type, each limit included', () => {
    for (const mediaType of SUPPORTED_MEDIA_TYPES)
      expect(cases.filter((entry) => entry.mediaType === mediaType).length).toBeGreaterThanOrEqual(3);
    const limits = new Set(
      cases.flatMap((entry) => (typeof entry.outcome === 'object' ? [entry.outcome.limit] : [])),
    );
    expect([...limits].sort()).toEqual(Object.keys(DEFAULT_PARSE_LIMITS).sort());
  });

  it.each(cases.map((entry) => [`${entry.mediaType}: ${entry.name}`, entry] as const))(
    '%s',
    { timeout: 120_000 },
    async (_, entry) => {
      const bytes = await entry.bytes();
      const limits = { ...DEFAULT_PARSE_LIMITS, ...entry.limits };
      const before = process.memoryUsage().rss;
      const result = await parseDocument(bytes, entry.mediaType, limits).then(
        (parsed) => ({ parsed }),
        (error: unknown) => ({ error }),
      );
      const growth = process.memoryUsage().rss - before;
      expect(growth).toBeLessThan(MEMORY_GROWTH_BOUND);
      if (entry.outcome === 'parses') {
        expect(result).toHaveProperty('parsed');
        return;
      }
      expect(result).toHaveProperty('error');
      const { error } = result as { error: unknown };
      expect(error).toBeInstanceOf(DocumentParseError);
      if (entry.outcome === 'damaged') {
        expect(error).not.toBeInstanceOf(DocumentParseLimitError);
        return;
      }
      expect(error).toBeInstanceOf(DocumentParseLimitError);
      const limitError = error as DocumentParseLimitError;
      expect(limitError.limit).toBe(entry.outcome.limit);
      expect(limitError.maximum).toBe(limits[entry.outcome.limit]);
      expect(limitError.message).toContain(`${entry.outcome.limit} = ${limits[entry.outcome.limit]}`);
    },
  );
});
