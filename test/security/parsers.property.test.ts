import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import {
  DocumentParseError,
  MEDIA_TYPES,
  normaliseDocument,
  parseDocument,
  SUPPORTED_MEDIA_TYPES,
  type SupportedMediaType,
} from '../../src/modules/documents/index.ts';
import { docxBytes } from '../fixtures/documents/docx.ts';
import { pdfBytes } from '../fixtures/documents/pdf.ts';

/**
 * Every parser, fed random bytes, real documents cut short or with bytes changed, and (for the text
 * formats) random markup: parsing and normalising either succeed or fail with DocumentParseError (or its
 * limit subclass). Any other exception would surface as DOCUMENTS_INGESTION_FAILED, a retryable system
 * error, for what is a property of the file.
 */

const MARKUP = [
  ...'<>/![]{}()*_#`"\':|\\-=~&;.,0123456789ab \n\t',
  '\u0000',
  '\ud800',
  '\udfff',
  'é',
  '&amp;',
];

const realDocuments: Partial<Record<SupportedMediaType, Uint8Array>> = {
  [MEDIA_TYPES.pdf]: pdfBytes([[{ text: 'Title', size: 20 }, 'Body text of a page.', '', 'More.'], ['Two']], {
    title: 'A PDF',
  }),
  [MEDIA_TYPES.html]: Buffer.from(
    '<!doctype html><title>T</title><h1>Head</h1><ul><li>a<ul><li>b</li></ul></li></ul><table><tr><td>x</td></tr></table><pre> code</pre><!-- c -->',
  ),
  [MEDIA_TYPES.markdown]: Buffer.from(
    '---\nfront: matter\n---\n# Head\n\n- a\n  - b\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\n```\ncode\n```\n',
  ),
  [MEDIA_TYPES.json]: Buffer.from(
    JSON.stringify({ title: 'T', list: [1, 2], records: [{ a: { b: [1, { c: 2 }] } }] }),
  ),
  [MEDIA_TYPES.text]: Buffer.from('Para one\nline two.\n\n- item\n- item two\n\n1. numbered'),
};

/** Parsers that load a library (pdf.js, mammoth) cost more per run. */
const RUNS: Record<SupportedMediaType, number> = {
  [MEDIA_TYPES.pdf]: 60,
  [MEDIA_TYPES.docx]: 100,
  [MEDIA_TYPES.html]: 300,
  [MEDIA_TYPES.markdown]: 300,
  [MEDIA_TYPES.json]: 300,
  [MEDIA_TYPES.text]: 300,
};

async function parsesOrRefuses(bytes: Uint8Array, mediaType: SupportedMediaType): Promise<void> {
  try {
    normaliseDocument(await parseDocument(bytes, mediaType));
  } catch (error) {
    if (!(error instanceof DocumentParseError)) throw error;
  }
}

/** Where to cut, and bytes to change; `tail` aims the changes at the end (a zip's directory, a PDF's xref). */
const damage = fc.record({
  cut: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
  tail: fc.boolean(),
  changes: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.nat(255) }), {
    maxLength: 8,
  }),
});

interface Damage {
  readonly cut: number;
  readonly tail: boolean;
  readonly changes: readonly { readonly at: number; readonly value: number }[];
}

function damaged(original: Uint8Array, { cut, tail, changes }: Damage): Uint8Array {
  const bytes = Uint8Array.from(original.subarray(0, Math.max(1, Math.floor(original.length * cut))));
  const from = tail ? Math.max(0, bytes.length - 256) : 0;
  for (const change of changes)
    bytes[from + Math.floor(change.at * (bytes.length - 1 - from))] = change.value;
  return bytes;
}

beforeAll(async () => {
  realDocuments[MEDIA_TYPES.docx] = await docxBytes([
    { heading: 'Handbook', level: 1 },
    { paragraph: 'Everyone wears a life jacket.' },
    { bullets: ['Helm', 'Trim'] },
    { table: [['a', 'b']] },
  ]);
});

describe.each(SUPPORTED_MEDIA_TYPES)('%s parser on random input', (mediaType) => {
  it('random bytes: parsed or refused with DocumentParseError', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), (bytes) => parsesOrRefuses(bytes, mediaType)),
      { numRuns: RUNS[mediaType] },
    );
  });

  it('a real document cut short or with bytes changed: parsed or refused', { timeout: 120_000 }, async () => {
    const original = realDocuments[mediaType];
    if (original === undefined) throw new Error(`no real ${mediaType} document to damage`);
    await fc.assert(
      fc.asyncProperty(damage, (change) => parsesOrRefuses(damaged(original, change), mediaType)),
      { numRuns: RUNS[mediaType] },
    );
  });
});

describe.each([MEDIA_TYPES.html, MEDIA_TYPES.markdown, MEDIA_TYPES.json, MEDIA_TYPES.text])(
  '%s parser on random markup',
  (mediaType) => {
    it('markup characters, NUL and lone surrogates: parsed or refused', { timeout: 120_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: fc.constantFrom(...MARKUP), maxLength: 3000 }), (text) =>
          parsesOrRefuses(Buffer.from(text), mediaType),
        ),
        { numRuns: 500 },
      );
    });
  },
);
