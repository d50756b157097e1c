import {
  AMOUNT_QUALIFIERS,
  DATE_QUALIFIERS,
  DATE_QUALIFIERS_DATED,
  DOCUMENT_DATE_GROUPS,
  ID_QUALIFIERS,
  SYNONYMS,
} from './label-vocabulary.ts';
import { periodOf } from './periods.ts';

const FILLER = new Set(['is', 'has', 'the', 'a', 'an', 'of']);
/** Words that say what kind of value a field holds, not which one: they count half in label matching. */
const GENERIC = new Set([
  'name',
  'number',
  'id',
  'value',
  'date',
  'time',
  'text',
  'code',
  'requested',
  'required',
  'flag',
  'no',
  'num',
  'amount',
  'percent',
  'percentage',
  'rate',
  'contact',
  'full',
  'current',
  'year',
  'day',
  'kg',
  'period',
  'method',
]);

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** `dueDate`, `due_date`, `Due-Date` -> ['due', 'date']. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/gu, '$1 $2')
    .replace(/[_\-.\s]+/gu, ' ')
    .toLowerCase()
    .split(' ')
    .filter((word) => word.length > 0 && !FILLER.has(word))
    .map(singular);
}

/** Lower-cased words of a label or phrase, for comparison with field words. */
export function phraseWords(text: string): string[] {
  return (
    text
      .toLowerCase()
      // "P.O." is a PO.
      .replace(/\bp\.[ \t]?o\.?(?![\p{L}])/gu, 'po')
      .replace(/[^\p{L}\p{N}#@\s-]+/gu, ' ')
      .split(/[\s-]+/u)
      .filter((word) => word.length > 0 && !FILLER.has(word))
      .map(singular)
  );
}

export interface FieldTerms {
  /** The field's own name words. */
  readonly name: readonly string[];
  /** Phrases (name, synonyms, title) that may label or mention it in text. */
  readonly phrases: readonly string[];
  /** Words of the enclosing object's name, which disambiguate (a customer's email vs a vendor's). */
  readonly parent: readonly string[];
  /** The schema's `title`, as words joined by spaces, if any. */
  readonly title?: string;
}

export function isGenericWord(word: string): boolean {
  return GENERIC.has(word);
}

export function fieldTerms(path: readonly string[], title: unknown): FieldTerms {
  const own = path.at(-1) ?? '';
  const name = nameWords(own);
  const phrases = new Set<string>([name.join(' ')]);
  // Mentions of kind words ("number", "amount") would tie any number or amount to the field: only the
  // specific words and their synonyms count, unless the name has no specific word.
  const specific = name.filter((word) => !GENERIC.has(word));
  for (const word of specific.length > 0 ? specific : name)
    for (const synonym of [word, ...(SYNONYMS[word] ?? [])]) phrases.add(synonym);
  if (typeof title === 'string' && title.trim().length > 0) phrases.add(phraseWords(title).join(' '));
  const parent = path.length > 1 ? nameWords(path.at(-2) ?? '') : [];
  const titleWords = typeof title === 'string' ? phraseWords(title).join(' ') : '';
  return {
    name,
    phrases: [...phrases].filter((phrase) => phrase.length > 0),
    parent,
    ...(titleWords.length > 0 ? { title: titleWords } : {}),
  };
}

/** Words that make a label an identifier's: an amount field never takes its value. */
const ID_WORDS = new Set(['number', 'no', 'id', 'reg', 'registration', 'ref', 'reference', 'idnr', '#']);
const ISSUER_DETAILS = new Set(['vat', 'tax', 'reg', 'registration']);
const PHONE_NAMES = new Set(['phone', 'tel', 'telephone', 'mobile', 'cell', 'fax']);

function familyOf(terms: FieldTerms): 'id' | 'amount' | 'date' | 'measure' | undefined {
  if (terms.name.includes('date')) return 'date';
  // A weight or a duration: "Gross weight" and "total weight" are weights, whatever money words say.
  if (
    terms.name.some((word) => ['weight', 'kg', 'day', 'days', 'year', 'month', 'week', 'hour'].includes(word))
  )
    return 'measure';
  if (
    terms.name.some(
      (word) => ['number', 'id', 'no', 'reference', 'ref', 'code'].includes(word) || PHONE_NAMES.has(word),
    )
  )
    return 'id';
  if (
    terms.name.some((word) =>
      [
        'total',
        'amount',
        'subtotal',
        'price',
        'fee',
        'cost',
        'tax',
        'vat',
        'rate',
        'percent',
        'weight',
        'kg',
        'day',
      ].includes(word),
    )
  )
    return 'amount';
  return undefined;
}

const SELLER = new Set([
  'vendor',
  'supplier',
  'seller',
  'merchant',
  'contractor',
  'consultant',
  'provider',
  'freelancer',
  'sender',
  'shipper',
  'landlord',
  'payee',
  'from',
]);
const BUYER = new Set(['customer', 'client', 'buyer', 'purchaser', 'recipient', 'consignee', 'tenant']);

/**
 * The party a label names with a noun (`Supplier email`, `Customer phone`), not with a preposition
 * (`From:`, `To:`, which name the sender and the addressee of whatever document it is).
 */
export function partyNamed(words: readonly string[]): 'seller' | 'buyer' | undefined {
  if (words.some((word) => word !== 'from' && SELLER.has(word))) return 'seller';
  if (words.some((word) => BUYER.has(word))) return 'buyer';
  // ... or with a verb of the trade: "Remit to", "Billed by" are the seller's; "Bill to", "Sold to" the buyer's.
  if (words.includes('remit')) return 'seller';
  const traded = words.some((word) => TRADE_VERBS.has(word));
  if (traded && words.includes('by')) return 'seller';
  if (traded && words.includes('to')) return 'buyer';
  return undefined;
}

const TRADE_VERBS = new Set(['bill', 'billed', 'sold', 'invoice', 'invoiced', 'charge', 'charged', 'issued']);

/** The party a field or label stands for: the one who sells/sends, the one who buys/receives, or neither. */
export function roleOf(words: readonly string[]): 'seller' | 'buyer' | undefined {
  // "Remit to" names where the seller is paid.
  if (words.includes('remit')) return 'seller';
  const nouns = words.filter((word) => word !== 'from' && word !== 'to');
  if (nouns.some((word) => SELLER.has(word))) return 'seller';
  if (nouns.some((word) => BUYER.has(word))) return 'buyer';
  if (words.at(-1) === 'to' || (words.includes('ordered') && words.includes('by'))) return 'buyer';
  if (words[0] === 'from' || words.includes('by')) return 'seller';
  return undefined;
}

/** Words that say a tax is inside an amount ("Total incl. VAT", "IVA incluido"). */
const INCLUDING = new Set([
  'incl',
  'including',
  'inclusive',
  'inc',
  'inkl',
  'incluido',
  'incluida',
  'compris',
  'incluso',
]);

function qualifierGroups(words: readonly string[], family: readonly (readonly string[])[]): Set<number> {
  const groups = new Set<number>();
  // "Net à payer", "Net payable", "Net to pay": what is to be paid, the total, not a net amount.
  // "Goods & Services (excl. VAT)": what was sold, not a service charge.
  const joined = ` ${words.join(' ')} `
    .replace(/ net (?:à |a |to )?(?:payer|payable|pay) /u, ' total ')
    .replace(/ (?:good|product|labour|labor|material|part)s? (?:and |& )?service /u, ' ');
  family.forEach((group, index) => {
    if (group.some((word) => joined.includes(` ${word} `))) groups.add(index);
  });
  // "Total excl. VAT", "Total before VAT": a subtotal, whatever else the label names (of amounts only:
  // to an identifier, "Total order" names an amount).
  if (family !== AMOUNT_QUALIFIERS) return groups;
  const subtotal = family.findIndex((group) => group.includes('subtotal'));
  if (subtotal >= 0 && groups.has(subtotal)) {
    groups.delete(family.findIndex((group) => group.includes('total')));
    groups.delete(family.findIndex((group) => group.includes('vat')));
  }
  // "Total VAT 20%", "Total tax": the total of the tax, not the invoice's total.
  const vat = family.findIndex((group) => group.includes('vat'));
  const totalGroup = family.findIndex((group) => group.includes('gross'));
  const including = words.some((word) => INCLUDING.has(word));
  if (
    groups.has(vat) &&
    family[totalGroup]?.includes(words[0] ?? '') &&
    family[vat]?.includes(words[1] ?? '') &&
    !including
  )
    groups.delete(totalGroup);
  // "Total incl. VAT", "Gross (including VAT)": a total, the VAT is inside it.
  const total = family.findIndex((group) => group.includes('gross'));
  if (total >= 0 && groups.has(total) && including)
    groups.delete(family.findIndex((group) => group.includes('vat')));
  return groups;
}

/**
 * Dates: the qualifier nearest the value decides ("starts on 1 April (the Effective Date) and ends on
 * 31 March" ends on 31 March). A date just after "by", "before" or "no later than" is a deadline, never
 * the document's own date; "dated" is the document's own date, never a due, delivery or start date.
 */
/** Whether the qualifier nearest a date (the words before it) is the field's own: "fitted by" for a delivery date. */
export function dateQualifiedFor(words: readonly string[], terms: FieldTerms): boolean {
  if (familyOf(terms) !== 'date' || accountingPeriodEnd(words)) return false;
  const own = ownQualifiers(terms, DATE_QUALIFIERS);
  for (let end = words.length; end > 0; end--) {
    const groups = qualifierGroups(words.slice(end - 1, end + 1), DATE_QUALIFIERS);
    if (groups.size > 0) return [...groups].some((group) => own.has(group));
  }
  return false;
}

/** "the accounts for the year ending 31 March 2026": an accounting period's end, no field's date. */
function accountingPeriodEnd(words: readonly string[]): boolean {
  return /\b(?:year|period|quarter|month)[ ](?:ending|ended|end)$/u.test(words.slice(-2).join(' '));
}

function dateConflicts(words: readonly string[], own: ReadonlySet<number>): boolean {
  if (accountingPeriodEnd(words)) return true;
  const documentDate = [...own].every((group) => DOCUMENT_DATE_GROUPS.has(group));
  const last = words.at(-1);
  if (documentDate && (last === 'by' || last === 'before' || words.slice(-2).join(' ') === 'later than'))
    return true;
  for (let end = words.length; end > 0; end--) {
    const groups = qualifierGroups(words.slice(end - 1, end + 1), DATE_QUALIFIERS);
    if (groups.size === 0) continue;
    if ([...groups].some((group) => own.has(group))) return false;
    return !(groups.has(DATE_QUALIFIERS_DATED) && documentDate);
  }
  return false;
}

/**
 * Whether a date field may take the one date of a text that no words tie to it: the document's own
 * date (invoice, order, purchase) or a date field without qualifier may; a due, delivery, dispatch,
 * start or end date is always said.
 */
export function mayTakeUnlabelledDate(terms: FieldTerms): boolean {
  if (familyOf(terms) !== 'date') return true;
  return [...ownQualifiers(terms, DATE_QUALIFIERS)].every((group) => DOCUMENT_DATE_GROUPS.has(group));
}

function ownQualifiers(terms: FieldTerms, qualifiers: readonly (readonly string[])[]): Set<number> {
  return qualifierGroups(
    [...terms.name, ...terms.phrases.flatMap((phrase) => phrase.split(' '))],
    qualifiers,
  );
}

/**
 * Whether words (a label, or the text just before a value) name another value than the field's: another
 * party (the customer for a vendor field) or another qualifier (an invoice number for a PO number, a VAT
 * number for a phone, a total for a VAT amount).
 */
export function conflicts(words: readonly string[], terms: FieldTerms): boolean {
  const fieldRole = roleOf(terms.name);
  const labelRole = roleOf(words);
  if (fieldRole !== undefined && labelRole !== undefined && fieldRole !== labelRole) return true;
  // A document's registration numbers are its issuer's: the customer's VAT number is never the answer
  // to a field that names no party.
  if (
    fieldRole === undefined &&
    labelRole === 'buyer' &&
    words.some((word) => BUYER.has(word)) &&
    terms.name.some((word) => ISSUER_DETAILS.has(word))
  )
    return true;
  const family = familyOf(terms);
  if (family === undefined || family === 'measure') return false;
  const qualifiers =
    family === 'id' ? ID_QUALIFIERS : family === 'date' ? DATE_QUALIFIERS : AMOUNT_QUALIFIERS;
  const own = ownQualifiers(terms, qualifiers);
  if (family === 'date') return dateConflicts(words, own);
  // A date just after "by", "before" or "no later than" is a deadline, never the document's own date.

  // A VAT number is a registration number.
  if (family === 'id' && own.has(2)) own.add(3);
  // A balance is no invoice total, but it is an amount ("an outstanding balance of £2,140.60").
  if (family === 'amount' && !terms.name.includes('total'))
    own.add(AMOUNT_QUALIFIERS.findIndex((group) => group.includes('balance')));
  // A contract's "monthly service charge" is its fee, not a restaurant's service charge.
  if (family === 'amount' && periodOf(terms.name) !== undefined)
    own.add(AMOUNT_QUALIFIERS.findIndex((group) => group.includes('service')));
  for (const group of qualifierGroups(words, qualifiers)) if (!own.has(group)) return true;
  if (family === 'amount' && words.some((word) => ID_WORDS.has(word))) return true;
  return false;
}

/**
 * How well a label (`Total due`, `Customer e-mail`) names a field, 0..1. Every specific word of the field
 * (not kind words like "number" or "amount") must be in the label, itself or as a synonym; a label that
 * names another party or another qualifier scores 0. Kind words alone score below the answer threshold.
 */
export function labelMatch(label: string, terms: FieldTerms): number {
  const words = phraseWords(label);
  if (words.length === 0 || words.length > 8) return 0;
  if (conflicts(words, terms)) return 0;
  // A bare "Date:" is the document's own date: an invoice's, an order's, a receipt's.
  if (
    words.length === 1 &&
    ['date', 'dated', 'fecha', 'datum', 'data'].includes(words[0] ?? '') &&
    familyOf(terms) === 'date' &&
    [...ownQualifiers(terms, DATE_QUALIFIERS)].every((group) => DOCUMENT_DATE_GROUPS.has(group))
  )
    return 0.6;
  const joined = ` ${words.join(' ')} `;
  const has = (phrase: string) => joined.includes(` ${phraseWords(phrase).join(' ')} `);
  const specific = terms.name.filter((word) => !GENERIC.has(word));
  let best: number;
  if (specific.length > 0) {
    const covered = specific.filter(
      (word) => has(word) || (SYNONYMS[word] ?? []).some((synonym) => has(synonym)),
    ).length;
    // A label that says the field's own words names it better than one that says only synonyms:
    // "Reference 2 (Order)" over "Reference 1 (PO)" for an order number, "Total" over "Amount paid".
    const own = specific.every((word) => has(word));
    best = covered === specific.length ? (own ? 0.9 : 0.87) : (0.45 * covered) / specific.length;
  } else {
    const covered = terms.name.filter(
      (word) => has(word) || (SYNONYMS[word] ?? []).some((synonym) => has(synonym)),
    ).length;
    best = terms.name.length === 0 ? 0 : (0.85 * covered) / terms.name.length;
  }
  // A bare `To:` or `From:` (an e-mail header, a forwarded message's) names the field more weakly than a
  // label with its role ("Delivering to:", "Supplier:").
  if (words.every((word) => word === 'to' || word === 'from')) best = Math.min(best, 0.8);
  if (typeof terms.title === 'string' && terms.title.length > 0 && has(terms.title))
    best = Math.max(best, 0.95);
  if (best > 0 && terms.parent.length > 0 && terms.parent.some((word) => words.includes(word))) best += 0.05;
  // A label much longer than the name is less likely to be this field's; of two labels that both name
  // it ("Fuel total", "TOTAL"), the one with fewer other words is ("Fuel" qualifies which total).
  const known = new Set([
    ...terms.name,
    ...terms.phrases.flatMap((phrase) => phraseWords(phrase)),
    ...terms.name.flatMap((word) => (SYNONYMS[word] ?? []).flatMap((synonym) => phraseWords(synonym))),
  ]);
  const other = words.filter((word) => !known.has(word)).length;
  if (best === 0) return 0;
  return Math.min(1, best * (words.length > terms.name.length + 3 ? 0.85 : 1) - 0.01 * other);
}
