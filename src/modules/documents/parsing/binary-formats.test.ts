import { describe, expect, it } from 'vitest';
import { docxBytes } from '../../../../test/fixtures/documents/docx.ts';
import { corruptPdfBytes, pdfBytes } from '../../../../test/fixtures/documents/pdf.ts';
import { parseDocx } from './docx.parser.ts';
import { detectMediaType, MEDIA_TYPES } from './media-type.ts';
import { DocumentParseError } from './parse-error.ts';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.ts';
import { parsePdf } from './pdf.parser.ts';

describe('PDF', () => {
  it('rebuilds headings and paragraphs from the text geometry, page by page', async () => {
    const parsed = await parsePdf(
      pdfBytes(
        [
          [
            { text: 'Sailing Basics', size: 20 },
            'The keel keeps the boat upright and stops it',
            'sliding sideways in the wind.',
            '',
            'A second para-',
            'graph follows here.',
          ],
          ['Page two has (parentheses) too.'],
        ],
        { title: 'Basics of Sailing' },
      ),
      DEFAULT_PARSE_LIMITS,
    );
    expect(parsed.title).toBe('Basics of Sailing');
    expect(parsed.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Sailing Basics', page: 1 },
      {
        kind: 'paragraph',
        text: 'The keel keeps the boat upright and stops it sliding sideways in the wind.',
        page: 1,
      },
      { kind: 'paragraph', text: 'A second paragraph follows here.', page: 1 },
      { kind: 'paragraph', text: 'Page two has (parentheses) too.', page: 2 },
    ]);
  });

  it('reports a damaged PDF precisely', async () => {
    await expect(parsePdf(corruptPdfBytes(), DEFAULT_PARSE_LIMITS)).rejects.toThrow(DocumentParseError);
    await expect(parsePdf(corruptPdfBytes(), DEFAULT_PARSE_LIMITS)).rejects.toThrow(
      /The PDF could not be read: it is damaged/,
    );
  });
});

describe('DOCX', () => {
  it('keeps Word headings, bullet lists and tables', async () => {
    const parsed = await parseDocx(
      await docxBytes([
        { heading: 'Crew handbook', level: 1 },
        { paragraph: 'Everyone wears a life jacket.' },
        { heading: 'Duties', level: 2 },
        { bullets: ['Helm', 'Trim the sails'] },
        {
          table: [
            ['Role', 'Watch'],
            ['Skipper', 'Day'],
          ],
        },
      ]),
      DEFAULT_PARSE_LIMITS,
    );
    expect(parsed.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Crew handbook' },
      { kind: 'paragraph', text: 'Everyone wears a life jacket.' },
      { kind: 'heading', level: 2, text: 'Duties' },
      { kind: 'list', text: '- Helm\n- Trim the sails' },
      { kind: 'table', text: 'Role | Watch\nSkipper | Day' },
    ]);
    expect(parsed.title).toBe('Crew handbook');
  });

  it('reports a damaged DOCX precisely', async () => {
    const broken = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64, 7)]);
    await expect(parseDocx(broken, DEFAULT_PARSE_LIMITS)).rejects.toThrow(/The DOCX could not be read/);
  });
});

describe('media type detection', () => {
  const text = Buffer.from('plain words');
  it('trusts the bytes, then the file name, then the declared type', async () => {
    expect(detectMediaType({ bytes: pdfBytes([['x']]), filename: 'notes.txt' })).toBe(MEDIA_TYPES.pdf);
    expect(
      detectMediaType({ bytes: await docxBytes([{ paragraph: 'x' }]), declared: 'application/octet-stream' }),
    ).toBe(MEDIA_TYPES.docx);
    expect(detectMediaType({ bytes: text, filename: 'a.md', declared: 'text/plain' })).toBe(
      MEDIA_TYPES.markdown,
    );
    expect(detectMediaType({ bytes: text, declared: 'text/html; charset=utf-8' })).toBe(MEDIA_TYPES.html);
    expect(
      detectMediaType({ bytes: Buffer.from('<!DOCTYPE html><p>x'), declared: 'application/octet-stream' }),
    ).toBe(MEDIA_TYPES.html);
    expect(detectMediaType({ bytes: text })).toBe(MEDIA_TYPES.text);
  });

  it('keeps a claimed PDF that is not one (so parsing reports it damaged) and refuses other binaries', () => {
    expect(detectMediaType({ bytes: text, filename: 'report.pdf' })).toBe(MEDIA_TYPES.pdf);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(detectMediaType({ bytes: png, filename: 'photo.png', declared: 'image/png' })).toBeUndefined();
    expect(
      detectMediaType({ bytes: Buffer.from('PK\u0003\u0004zip without word'), filename: 'a.zip' }),
    ).toBeUndefined();
  });
});
