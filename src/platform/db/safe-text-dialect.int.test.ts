import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnEveryDatabase } from '../../../test/support/sql-suites.ts';
import { LOOKALIKE_TEXT, UNSAFE_TEXT } from '../../../test/support/unsafe-text.ts';
import { safeJson, safeText } from '../text/index.ts';
import { jsonParameter } from './json-parameter.ts';

/**
 * The database handle makes every parameter safe (decision 0125): text that is not JSON input (a multipart
 * file name, a parsed document's text, model output) holding NUL or a lone surrogate is stored made safe,
 * by any adapter, in a text column, a text[] column or a jsonb one, inside a transaction or not.
 */
describeOnEveryDatabase('withSafeText', (engine, database) => {
  it(`stores unsafe text made safe and look-alikes unchanged (${engine})`, async () => {
    const { db } = database();
    await sql`create table if not exists unsafe_text_probe (
      id serial primary key, body text, tags text[], data jsonb)`.execute(db);
    await sql`truncate unsafe_text_probe`.execute(db);
    const texts = [...UNSAFE_TEXT, ...LOOKALIKE_TEXT];
    for (const text of texts) {
      const data = { [text]: [text, { nested: text }] };
      await db.transaction().execute(async (trx) => {
        await sql`insert into unsafe_text_probe (body, tags, data)
          values (${text}, ${[text, 'plain']}, ${jsonParameter(data)}::jsonb)`.execute(trx);
      });
      // Objects the driver serialises itself are made safe too.
      await sql`insert into unsafe_text_probe (body, data) values (${`object ${text}`}, ${data})`.execute(db);
    }
    const { rows } = await sql<{ body: string; tags: string[] | null; data: unknown }>`
      select body, tags, data from unsafe_text_probe order by id`.execute(db);
    expect(rows).toHaveLength(texts.length * 2);
    texts.forEach((text, index) => {
      const data = { [text]: [text, { nested: text }] };
      expect(rows[index * 2]).toEqual({
        body: safeText(text),
        tags: [safeText(text), 'plain'],
        data: safeJson(data),
      });
      expect(rows[index * 2 + 1]).toEqual({
        body: safeText(`object ${text}`),
        tags: null,
        data: safeJson(data),
      });
    });
    for (const text of LOOKALIKE_TEXT) expect(safeText(text)).toBe(text);
  });
});
