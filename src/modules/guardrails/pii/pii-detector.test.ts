import { describe, expect, it } from 'vitest';
import { readLabelledSet, scorePii } from '../../../../test/fixtures/guardrails/pii-metrics.ts';
import { passesIbanChecksum, passesLuhn, passesSpanishIdLetter } from './checksums.ts';
import { detectPii } from './pii-detector.ts';
import { redact, restore } from './redaction.ts';

describe('checksums', () => {
  it('Luhn accepts issued test cards and refuses a changed digit', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('378282246310005')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesLuhn('')).toBe(false);
  });

  it('IBAN mod 97 checks the country length and the check digits', () => {
    expect(passesIbanChecksum('DE89370400440532013000')).toBe(true);
    expect(passesIbanChecksum('GB29NWBK60161331926819')).toBe(true);
    expect(passesIbanChecksum('DE88370400440532013000')).toBe(false);
    expect(passesIbanChecksum('DE8937040044053201300')).toBe(false);
    expect(passesIbanChecksum('QQ89370400440532013000')).toBe(false);
  });

  it("the DNI/NIE letter is the number's remainder of 23", () => {
    expect(passesSpanishIdLetter('12345678Z')).toBe(true);
    expect(passesSpanishIdLetter('X1234567L')).toBe(true);
    expect(passesSpanishIdLetter('12345678A')).toBe(false);
    expect(passesSpanishIdLetter('1234567Z')).toBe(false);
  });
});

describe('detectPii', () => {
  it('reports each finding once, with its offsets, the more specific kind winning an overlap', () => {
    const text = 'Refund 4111 1111 1111 1111 to DE89 3704 0044 0532 0130 00 for ana@example.com.';
    const spans = detectPii(text);
    expect(spans.map(({ type, text: value }) => [type, value])).toEqual([
      ['payment_card', '4111 1111 1111 1111'],
      ['iban', 'DE89 3704 0044 0532 0130 00'],
      ['email', 'ana@example.com'],
    ]);
    for (const span of spans) expect(text.slice(span.start, span.end)).toBe(span.text);
  });

  it('looks only for the kinds asked for', () => {
    expect(detectPii('ana@example.com 4111111111111111', ['email']).map((span) => span.type)).toEqual([
      'email',
    ]);
  });

  it('ignores near misses: failed checksums, decimals, versions, dates, asset names', () => {
    const text =
      'Order 4111111111111112, total 1,234,567,890,123.45, v10.4.2.1, 2026-12-07, icon@2x.png, 12:30:45, 000-12-3456';
    expect(detectPii(text)).toEqual([]);
  });
});

describe('redaction', () => {
  it('replaces findings with numbered placeholders, the same value with the same one, and restores them', () => {
    const text = 'Mail ana@example.com or bo@example.com; ana@example.com again.';
    const redaction = redact(text, detectPii(text));
    expect(redaction.text).toBe('Mail [EMAIL_1] or [EMAIL_2]; [EMAIL_1] again.');
    expect(restore('I wrote to [EMAIL_2] and [EMAIL_1], not [EMAIL_9].', redaction.placeholders)).toBe(
      'I wrote to bo@example.com and ana@example.com, not [EMAIL_9].',
    );
  });
});

// The labelled sets: pii-dev.jsonl (generated, the rules were written against it), pii-held-out.jsonl
// (hand-written; its first run found three bugs, fixed since, so it is a validation set now) and
// pii-held-out-2.jsonl (written before those fixes and run once after them). docs/guardrails.md has the figures.
describe.each(['pii-dev.jsonl', 'pii-held-out.jsonl', 'pii-held-out-2.jsonl'] as const)(
  'labelled set %s',
  (name) => {
    const { scores } = scorePii(readLabelledSet(name));

    it('meets precision >= 0.95 and recall >= 0.90 on the checksum-validated kinds', () => {
      for (const score of scores.filter((entry) =>
        ['payment_card', 'iban', 'es_national_id'].includes(entry.type),
      )) {
        expect(score.truePositives, score.type).toBeGreaterThan(0);
        expect(score.precision, score.type).toBeGreaterThanOrEqual(0.95);
        expect(score.recall, score.type).toBeGreaterThanOrEqual(0.9);
      }
    });

    it('keeps every other kind at precision >= 0.75 and recall >= 0.75', () => {
      for (const score of scores) {
        expect(score.precision, score.type).toBeGreaterThanOrEqual(0.75);
        expect(score.recall, score.type).toBeGreaterThanOrEqual(0.75);
      }
    });
  },
);
