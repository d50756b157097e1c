import { describe, expect, it } from 'vitest';
import {
  buildManPages,
  CollectionUnavailableError,
  installedManPages,
  isRedirect,
  pageName,
} from '../../bench/support/retrieval/man-pages.ts';
import { manPageText } from '../../bench/support/retrieval/roff-text.ts';

/** A small page in the man macros Linux man-pages uses. */
const page = (names: string, description: string, body: string) =>
  [
    '.\\" SPDX-License-Identifier: Linux-man-pages-copyleft',
    `.TH ${names.split(',')[0]} 2 2023-02-05 "Linux man-pages 6.03"`,
    '.SH NAME',
    `${names} \\- ${description}`,
    '.SH SYNOPSIS',
    '.nf',
    '.B #include <unistd.h>',
    '.BI "int frob(int " fd );',
    '.fi',
    '.SH DESCRIPTION',
    body,
    '.PP',
    'See',
    '.BR close (2)',
    'for more \\(em and \\fBmore\\fP.',
  ].join('\n');

describe('man page text from roff', () => {
  it('splits the NAME line into names and description and leaves NAME out of the body', () => {
    const text = manPageText(
      page('dup, dup2, dup3', 'duplicate a file\\-descriptor', 'The\n.BR dup ()\ncall copies\n.IR oldfd .'),
    );
    expect(text.names).toEqual(['dup', 'dup2', 'dup3']);
    expect(text.description).toBe('duplicate a file-descriptor');
    expect(text.body).not.toMatch(/NAME|duplicate|SPDX|Linux man-pages/u);
    expect(text.body.split('\n\n')).toEqual([
      'SYNOPSIS',
      '#include <unistd.h> int frob(int fd);',
      'DESCRIPTION',
      'The dup() call copies oldfd.',
      'See close(2) for more — and more.',
    ]);
  });

  it('has no description when the NAME line has no dash', () => {
    expect(manPageText('.SH NAME\nfrob\n.SH DESCRIPTION\nText.').description).toBe('');
  });

  it('keeps table cells but not the table format lines', () => {
    const text = manPageText(
      '.SH NAME\nx \\- y z w\n.SH VALUES\n.TS\nallbox;\nl l.\nT{\nfirst cell\nT}\tsecond\n.TE',
    );
    expect(text.body).toBe('VALUES\n\nfirst cell second');
  });
});

describe('the man-pages retrieval collection', () => {
  it('names pages by file and recognises .so aliases', () => {
    expect(pageName('/usr/share/man/man2/dup.2.gz')).toBe('dup(2)');
    expect(pageName('/usr/share/man/man3/size_t.3type.gz')).toBe('size_t(3type)');
    expect(pageName('/usr/share/man/man3/README')).toBeUndefined();
    expect(isRedirect('.so man2/dup.2\n')).toBe(true);
    expect(isRedirect(page('frob', 'frob things well', 'Text.'))).toBe(false);
  });

  it('makes each description a query for its own page, dropping verbatim, shared and short ones', () => {
    const files = [
      {
        path: '/m/man2/frob.2.gz',
        source: page('frob', 'turn widgets into gadgets', 'Frob converts widgets.'),
      },
      // The description appears word for word (punctuation and case aside) in the page: not a query.
      {
        path: '/m/man2/quote.2.gz',
        source: page('quote', 'format quotations for print', 'We Format: quotations for PRINT.'),
      },
      // Two pages share a description: neither is a query, both stay as documents.
      { path: '/m/man3/lrint.3.gz', source: page('lrint', 'round to nearest integer', 'Rounds a double.') },
      { path: '/m/man3/rint.3.gz', source: page('rint', 'round to nearest integer', 'Rounds a float.') },
      { path: '/m/man3/tiny.3.gz', source: page('tiny', 'bit operations', 'Bits.') },
      // Aliases: a .so page and a symbolic link (read as '').
      { path: '/m/man2/frob2.2.gz', source: '.so man2/frob.2\n' },
      { path: '/m/man2/frob3.2.gz', source: '' },
    ];
    const collection = buildManPages([...files].reverse(), { manpages: '6.03-2' });
    expect(collection.corpus.map((document) => [document.id, document.title])).toEqual([
      ['man:frob.2', 'frob(2)'],
      ['man:quote.2', 'quote(2)'],
      ['man:lrint.3', 'lrint(3)'],
      ['man:rint.3', 'rint(3)'],
      ['man:tiny.3', 'tiny(3)'],
    ]);
    expect(collection.queries.map((query) => [query.id, query.text, [...query.judgements]])).toEqual([
      ['man:frob.2', 'turn widgets into gadgets', [['man:frob.2', 1]]],
    ]);
    expect(collection.stats).toMatchObject({
      versions: { manpages: '6.03-2' },
      files: 7,
      aliases: 2,
      documents: 5,
      verbatim: 1,
      ambiguous: 2,
      shortDescriptions: 1,
      queries: 1,
    });
  });

  it('cuts long pages at a blank line and samples deterministically past maxPages', () => {
    const long = page(
      'long',
      'a long page here',
      Array.from({ length: 40 }, (_, i) => `Paragraph ${i} text.\n.PP`).join('\n'),
    );
    const [document] = buildManPages(
      [{ path: '/m/man7/long.7.gz', source: long }],
      {},
      { maxCharacters: 200 },
    ).corpus;
    expect(document?.text.length).toBeLessThanOrEqual(200);
    expect(document?.text.endsWith('text.')).toBe(true);
    const many = Array.from({ length: 20 }, (_, i) => ({
      path: `/m/man3/f${String(i).padStart(2, '0')}.3.gz`,
      source: page(`f${i}`, `function number ${i} here`, 'Text.'),
    }));
    const first = buildManPages(many, {}, { maxPages: 8 });
    const second = buildManPages([...many].reverse(), {}, { maxPages: 8 });
    expect(first.corpus.map((entry) => entry.id)).toEqual(second.corpus.map((entry) => entry.id));
    expect(first.corpus.map((entry) => entry.id)).toEqual([...first.corpus.map((entry) => entry.id)].sort());
    expect(first.stats).toMatchObject({ documents: 8, sampledOut: 12 });
  });

  it('is unavailable, with the install command, when a package is not installed (or dpkg is missing)', () => {
    expect(() => installedManPages(['keel-no-such-package'])).toThrow(CollectionUnavailableError);
    expect(() => installedManPages(['keel-no-such-package'])).toThrow(
      /apt-get install -y manpages manpages-dev/u,
    );
  });
});
