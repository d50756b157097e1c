import { describe, expect, it } from 'vitest';
import {
  readLabelledSet,
  scoreCharacters,
  scorePii,
} from '../../../../test/fixtures/guardrails/pii-metrics.ts';
import { piiGuardrail } from '../builtin/pii.guardrail.ts';
import { passesIbanChecksum, passesLuhn, passesSpanishIdLetter } from './checksums.ts';
import { DEFAULT_PII_TYPES, detectPii, type PiiType } from './pii-detector.ts';
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
    // Labelled for the default kinds only: addresses and names are scored on their own sets below.
    const { scores } = scorePii(readLabelledSet(name), DEFAULT_PII_TYPES);

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

const NAMES_AND_ADDRESSES: readonly PiiType[] = ['postal_address', 'person_name'];
const found = (text: string) =>
  detectPii(text, NAMES_AND_ADDRESSES).map((span) => [span.type, span.text] as const);

describe('postal addresses', () => {
  it('finds US, UK and continental addresses from the street line to the postcode or town', () => {
    expect(found('Ship to 4821 Maple Avenue, Columbus, OH 43215 today.')).toEqual([
      ['postal_address', '4821 Maple Avenue, Columbus, OH 43215'],
    ]);
    expect(found('Office: 10 Queen Street, Edinburgh EH2 1JQ.')).toEqual([
      ['postal_address', '10 Queen Street, Edinburgh EH2 1JQ'],
    ]);
    expect(found('Lieferadresse: Lindenstraße 14, 10969 Berlin')).toEqual([
      ['postal_address', 'Lindenstraße 14, 10969 Berlin'],
    ]);
    expect(found('Envoyez-la au 5 rue des Lilas, 69003 Lyon.')).toEqual([
      ['postal_address', '5 rue des Lilas, 69003 Lyon'],
    ]);
    expect(found('My postcode is M1 1AE.')).toEqual([['postal_address', 'M1 1AE']]);
  });

  it('takes a street line alone only after a word that introduces a place', () => {
    expect(found('He lives at 42 Elm Street.')).toEqual([['postal_address', '42 Elm Street']]);
    expect(found('We have 25 Main Street stores and 300 Road Bikes.')).toEqual([]);
    expect(found('Route 66 and Highway 101 are closed; read chapter 12 Court Procedures.')).toEqual([]);
  });
});

describe('person names', () => {
  it('finds names after titles, introductions, greetings and sign-offs, and listed given names with a surname', () => {
    expect(found('Please forward this to Dr. Helen Okafor; Mr Jenkins called.')).toEqual([
      ['person_name', 'Helen Okafor'],
      ['person_name', 'Jenkins'],
    ]);
    expect(found('My name is Priya Raman.')).toEqual([['person_name', 'Priya Raman']]);
    expect(found('Dear Tomasz,\nthanks.')).toEqual([['person_name', 'Tomasz']]);
    expect(found('Kind regards,\nSophie Laurent\nAccount Manager')).toEqual([
      ['person_name', 'Sophie Laurent'],
    ]);
    expect(found('Employee Maria Garcia approved it.')).toEqual([['person_name', 'Maria Garcia']]);
  });

  it('ignores greetings and sign-offs to no one, and capitalised phrases without a listed given name', () => {
    expect(found('Dear Customer,\nBest regards,\nThe Support Team')).toEqual([]);
    expect(found('Hi team, Hello World fails; the Grand Canyon and Monday Night Football.')).toEqual([]);
    expect(found('Maria Hospital and the Jordan River.')).toEqual([]);
  });

  it('an address wins over a name inside it', () => {
    expect(found('Adresse : 18 avenue Victor Hugo, 75016 Paris')).toEqual([
      ['postal_address', '18 avenue Victor Hugo, 75016 Paris'],
    ]);
  });

  it('are not among the default kinds: pii-redact and its likes leave them unless asked', async () => {
    const text = 'My name is Priya Raman and I live at 42 Elm Street.';
    expect(detectPii(text)).toEqual([]);
    const known = new Set<string>();
    expect(await piiGuardrail().check(text, { stage: 'input', known })).toEqual([]);
    const asked = piiGuardrail({ types: NAMES_AND_ADDRESSES });
    expect((await asked.check(text, { stage: 'input', known })).map((finding) => finding.kind)).toEqual([
      'person_name',
      'postal_address',
    ]);
  });
});

// Addresses and names: the rules were written against the dev set; held-out (48 lines) was written before
// them and run once; held-out-2 (40 harder lines) was run once, then became a development set for a second
// round; held-out-3 (40 lines) was written before that round and run once, and a fault its run showed
// (a title kept in a cued name) was fixed since, so it is a validation set now. The floors below are the
// measured figures (docs/guardrails.md), kept from regressing.
describe.each([
  ['pii-names-addresses-dev.jsonl', { postal_address: [1, 1], person_name: [1, 1] }],
  ['pii-names-addresses-held-out.jsonl', { postal_address: [1, 1], person_name: [1, 1] }],
  ['pii-names-addresses-held-out-2.jsonl', { postal_address: [0.85, 1], person_name: [0.68, 0.84] }],
  ['pii-names-addresses-held-out-3.jsonl', { postal_address: [0.83, 0.83], person_name: [0.61, 0.8] }],
] as const)('labelled set %s', (name, floors) => {
  it('keeps the measured precision and recall per kind (exact spans)', () => {
    const { scores } = scorePii(readLabelledSet(name), NAMES_AND_ADDRESSES);
    for (const score of scores) {
      const [precision, recall] = floors[score.type as keyof typeof floors];
      expect(score.truePositives, score.type).toBeGreaterThan(0);
      expect(score.precision, score.type).toBeGreaterThanOrEqual(precision);
      expect(score.recall, score.type).toBeGreaterThanOrEqual(recall);
    }
  });

  it('covers most labelled characters with findings that are mostly inside them', () => {
    for (const score of scoreCharacters(readLabelledSet(name), NAMES_AND_ADDRESSES)) {
      expect(score.precision, score.type).toBeGreaterThanOrEqual(0.6);
      expect(score.recall, score.type).toBeGreaterThanOrEqual(0.8);
    }
  });
});

describe('person names and addresses, second round', () => {
  it('reads labelled lists, thanks with a given name, initials after a sign-off, and drops titles after cues', () => {
    expect(found('Attendees: Liu Yang, Sam Carter and Beatriz Souza')).toEqual([
      ['person_name', 'Liu Yang'],
      ['person_name', 'Sam Carter'],
      ['person_name', 'Beatriz Souza'],
    ]);
    expect(found('Thanks so much, Ines!')).toEqual([['person_name', 'Ines']]);
    expect(found('Best regards\nJ. Whitfield')).toEqual([['person_name', 'J. Whitfield']]);
    expect(found('Dear Ms Okonkwo,\nSigned by Prof. Alan Turing')).toEqual([
      ['person_name', 'Okonkwo'],
      ['person_name', 'Alan Turing'],
    ]);
  });

  it('reads addresses on three lines, PO boxes, state names, and Portuguese and Polish postcodes', () => {
    expect(found('new address: 9 Kings Road\nBrighton\nBN1 1NB')).toEqual([
      ['postal_address', '9 Kings Road\nBrighton\nBN1 1NB'],
    ]);
    expect(found('PO Box 1234, Phoenix, AZ 85001')).toEqual([
      ['postal_address', 'PO Box 1234, Phoenix, AZ 85001'],
    ]);
    expect(found('I am at 500 South Congress Ave, Austin, Texas 78704')).toEqual([
      ['postal_address', '500 South Congress Ave, Austin, Texas 78704'],
    ]);
    expect(found('Rua Augusta 100, 1100-053 Lisboa; ul. Marszałkowska 10, 00-590 Warszawa')).toEqual([
      ['postal_address', 'Rua Augusta 100, 1100-053 Lisboa'],
      ['postal_address', 'ul. Marszałkowska 10, 00-590 Warszawa'],
    ]);
    expect(found('Apply coupon SW1A 2AA at checkout; the post code SW1A 2AA is right.')).toEqual([
      ['postal_address', 'SW1A 2AA'],
    ]);
  });
});
