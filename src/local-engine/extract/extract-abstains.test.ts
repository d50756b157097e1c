import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EXTRACTION_SET,
  EXTRACTION_SET_SCHEMAS,
} from '../../../test/fixtures/local-engine/extraction-set/index.ts';
import { extract } from './extract.ts';

const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra });
function schemaOf(properties: Record<string, object>) {
  return { type: 'object', properties, required: Object.keys(properties) };
}

/** The UK invoice of issue 18: every field that was confidently wrong there. */
const UK_INVOICE = `Brightwell Print Ltd
14 Canal Street, Manchester M1 3HW
Tel: 0161 496 0732
VAT Reg No: GB 284 7761 09

INVOICE
Invoice No: BP-10482
Your PO: PO-55710

Bill to:
Harlow & Finch Solicitors LLP

A5 leaflets     2     £185.00      £370.00
Subtotal: £790.00
VAT (20%): £158.00
Total due: £948.00`;

interface Case {
  readonly failure: string;
  readonly text: string;
  readonly field: string;
  readonly schema: object;
  /** The right value, or undefined when the field must be missing. */
  readonly expected: unknown;
}

const CASES: readonly Case[] = [
  {
    failure: 'vendor got the customer',
    text: UK_INVOICE,
    field: 'vendor_name',
    schema: nullable('string'),
    expected: 'Brightwell Print Ltd',
  },
  {
    failure: 'customer got the vendor',
    text: UK_INVOICE,
    field: 'customer_name',
    schema: nullable('string'),
    expected: 'Harlow & Finch Solicitors LLP',
  },
  {
    failure: 'vendor with only the customer named',
    text: 'INVOICE\nBill to: Harlow & Finch Solicitors LLP\nTotal: £948.00',
    field: 'vendor_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'po_number got the invoice number',
    text: UK_INVOICE,
    field: 'po_number',
    schema: nullable('string'),
    expected: 'PO-55710',
  },
  {
    failure: 'po_number with only an invoice number',
    text: 'Invoice number: INV-2024-0193\nTotal: $4,310.00',
    field: 'po_number',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'invoice_number got the PO number',
    text: 'Purchase order number: 4500123987\nTotal: £10.00',
    field: 'invoice_number',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'phone got the VAT registration number',
    text: 'Acme Ltd\nVAT Reg No: GB 284 7761 09\nTotal: £5.00',
    field: 'contact_phone',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'phone next to a VAT number',
    text: UK_INVOICE,
    field: 'contact_phone',
    schema: nullable('string'),
    expected: '0161 496 0732',
  },
  {
    failure: 'VAT number read from an amount',
    text: 'VAT (20%): £158.00\nTotal: £948.00',
    field: 'vat_number',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'vat_amount got the total',
    text: 'Subtotal: £790.00\nTotal due: £948.00',
    field: 'vat_amount',
    schema: nullable('number'),
    expected: undefined,
  },
  {
    failure: 'vat_amount beside its rate',
    text: UK_INVOICE,
    field: 'vat_amount',
    schema: nullable('number'),
    expected: 158,
  },
  {
    failure: 'vat_amount from a VAT registration number',
    text: 'VAT Reg No: GB 284 7761 09\nTotal: £948.00',
    field: 'vat_amount',
    schema: nullable('number'),
    expected: undefined,
  },
  {
    failure: 'vat_rate_percent got a unit price',
    text: 'VAT registration: GB 284 7761 09\nA5 leaflets  2  £185.00  £370.00\nTotal: £370.00',
    field: 'vat_rate_percent',
    schema: nullable('number'),
    expected: undefined,
  },
  {
    failure: 'vat_rate_percent from the label',
    text: UK_INVOICE,
    field: 'vat_rate_percent',
    schema: nullable('number'),
    expected: 20,
  },
  {
    failure: 'subtotal from "Total excl. VAT" (an abbreviation is not a sentence end)',
    text: 'Total excl. VAT: €870.00\nVAT 19%: €165.30\nAmount due: €1,035.30',
    field: 'subtotal',
    schema: nullable('number'),
    expected: 870,
  },
  {
    failure: 'email without format: email',
    text: 'Our CEO is reachable at ceo@acme.example and would like to talk.',
    field: 'email',
    schema: nullable('string'),
    expected: 'ceo@acme.example',
  },
  {
    failure: 'contact_email without format: email',
    text: 'Questions about this invoice? Call 0117 496 0021 or email billing@kestrel.example.',
    field: 'contact_email',
    schema: nullable('string'),
    expected: 'billing@kestrel.example',
  },
  {
    failure: '"$2.5 million" cut to "$2" (string field)',
    text: 'The seed round size is $2.5 million, closing in June.',
    field: 'round_size',
    schema: nullable('string'),
    expected: '$2.5 million',
  },
  {
    failure: '"$2.5 million" as a number',
    text: 'We would like to discuss the $2.5 million seed round with you.',
    field: 'amount',
    schema: nullable('number'),
    expected: 2_500_000,
  },
  {
    failure: 'a number without its unit',
    text: 'Notice period: 1 month',
    field: 'notice_period_days',
    schema: nullable('integer'),
    expected: undefined,
  },
  {
    failure: 'a number with its unit',
    text: 'Either party may terminate on 60 days’ written notice.',
    field: 'notice_period_days',
    schema: nullable('integer'),
    expected: 60,
  },
  {
    failure: 'an ambiguous numeric date',
    text: 'Date of issue: 03/02/2025',
    field: 'invoice_date',
    schema: nullable('string', { format: 'date' }),
    expected: undefined,
  },
  {
    failure: 'a span of years is not a phone',
    text: 'Web Developer at Nordvik Media AB, 2019-2022',
    field: 'phone',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'a Markdown table row is a label and its value',
    text: '| Item | Amount |\n| --- | --- |\n| Subtotal | £790.00 |\n| VAT (20%) | £158.00 |\n| **Total due** | £948.00 |',
    field: 'total',
    schema: nullable('number'),
    expected: 948,
  },
  {
    failure: 'a Markdown table row of another amount',
    text: '| Subtotal | £790.00 |\n| VAT (20%) | £158.00 |',
    field: 'total',
    schema: nullable('number'),
    expected: undefined,
  },
  {
    failure: 'a party defined by its role',
    text: 'between Westbridge Housing Association ("the Client") and Calder IT Services Ltd ("the Contractor")',
    field: 'client_name',
    schema: nullable('string'),
    expected: 'Westbridge Housing Association',
  },
];

describe('extract abstains rather than guesses', () => {
  it.each(CASES)('$failure: $field', async ({ text, field, schema, expected }) => {
    const result = await extract({ text, schema: schemaOf({ [field]: schema }) }, { embedder: null });
    if (expected === undefined) {
      expect(result.missing).toContain(`/${field}`);
      expect(result.data[field]).toBeNull();
      expect(result.evidence[`/${field}`]).toBeUndefined();
    } else {
      expect(result.missing).not.toContain(`/${field}`);
      expect(result.data[field]).toEqual(expected);
      const evidence = result.evidence[`/${field}`];
      expect(evidence).toBeDefined();
      expect(text.slice(evidence?.start, evidence?.end)).toBe(evidence?.quote);
      expect(evidence?.confidence).toBeGreaterThanOrEqual(0.5);
      expect(evidence?.confidence).toBeLessThanOrEqual(1);
    }
  });
});

describe('extract evidence (property)', () => {
  it('every returned value has evidence whose quote is text.slice(start, end), on every labelled document', async () => {
    for (const document of EXTRACTION_SET) {
      const result = await extract(
        { text: document.text, schema: EXTRACTION_SET_SCHEMAS[document.kind] },
        { embedder: null },
      );
      const missing = new Set(result.missing);
      for (const field of Object.keys(result.data)) {
        const pointer = `/${field}`;
        if (missing.has(pointer)) expect(result.evidence[pointer]).toBeUndefined();
        else {
          const evidence = result.evidence[pointer];
          expect(evidence, `${document.id} ${pointer}`).toBeDefined();
          expect(document.text.slice(evidence?.start, evidence?.end)).toBe(evidence?.quote);
        }
      }
    }
  });

  it('holds for random texts assembled from labels, values and noise', async () => {
    const labels = ['Invoice No', 'Total', 'VAT', 'Bill to', 'From', 'Tel', 'Email', 'Due date', 'PO'];
    const values = ['INV-22', '£1,200.00', '20%', 'Acme Ltd', '0161 496 0732', 'a@b.example', '2025-03-01'];
    const schema = schemaOf({
      invoice_number: nullable('string'),
      total: nullable('number'),
      vat_rate_percent: nullable('number'),
      customer_name: nullable('string'),
      vendor_name: nullable('string'),
      phone: nullable('string'),
      email: nullable('string', { format: 'email' }),
      due_date: nullable('string', { format: 'date' }),
      tags: { type: 'array', items: { type: 'string', format: 'email' } },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom(...labels),
            fc.constantFrom(...values),
            fc.constantFrom(': ', ' ', '\n', ' | '),
          ),
          { maxLength: 12 },
        ),
        fc.string({ maxLength: 40 }),
        async (parts, noise) => {
          const text = `${noise}\n${parts.map(([label, value, separator]) => `${label}${separator}${value}`).join('\n')}`;
          if (text.trim().length === 0) return;
          const result = await extract({ text, schema }, { embedder: null });
          for (const [pointer, evidence] of Object.entries(result.evidence)) {
            expect(text.slice(evidence.start, evidence.end), pointer).toBe(evidence.quote);
            expect(evidence.confidence).toBeGreaterThanOrEqual(0.5);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
