/** Words a field is known by: its name split into words, singular, plus common synonyms of that name. */
const SYNONYMS: Record<string, readonly string[]> = {
  total: ['total', 'amount due', 'balance due', 'grand total', 'total due', 'amount', 'sum'],
  amount: ['amount', 'total', 'sum', 'price'],
  price: ['price', 'cost', 'fee', 'amount'],
  cost: ['cost', 'price', 'fee'],
  due: ['due', 'payable', 'deadline', 'pay by'],
  deadline: ['deadline', 'due', 'by'],
  company: ['company', 'organisation', 'organization', 'vendor', 'employer', 'firm', 'business', 'supplier'],
  organization: ['organization', 'organisation', 'company'],
  vendor: ['vendor', 'supplier', 'seller', 'company', 'from'],
  email: ['email', 'e-mail', 'mail', 'contact'],
  phone: ['phone', 'tel', 'telephone', 'mobile', 'cell', 'call'],
  website: ['website', 'site', 'url', 'web', 'link'],
  url: ['url', 'link', 'website', 'site'],
  number: ['number', 'no', 'num', '#', 'id', 'ref', 'reference'],
  id: ['id', 'number', 'no', 'reference', 'ref', '#'],
  quantity: ['quantity', 'qty', 'count', 'units'],
  date: ['date', 'dated', 'on'],
  start: ['start', 'begin', 'from', 'starts'],
  end: ['end', 'until', 'to', 'ends'],
  name: ['name'],
  discount: ['discount', 'off', 'rebate'],
  rate: ['rate', 'percent', 'percentage'],
  tax: ['tax', 'vat', 'gst'],
  currency: ['currency'],
  priority: ['priority', 'urgency'],
  status: ['status', 'state'],
  location: ['location', 'place', 'venue', 'where', 'city'],
  address: ['address', 'street', 'located'],
  salary: ['salary', 'pay', 'compensation', 'wage'],
  title: ['title', 'position', 'role', 'subject', 'headline'],
  job: ['job', 'position', 'role'],
  topic: ['topic', 'subject', 'agenda', 'about'],
  capacity: ['capacity', 'seats', 'places', 'spots', 'room for', 'max attendees'],
  customer: ['customer', 'client'],
  duration: ['duration', 'length', 'lasts'],
  attendee: ['attendees', 'invited', 'participants', 'people', 'team', 'invitees'],
  skill: ['skills', 'requirements', 'stack'],
  link: ['link', 'links', 'url', 'slides', 'doc'],
};

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
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}#@\s-]+/gu, ' ')
    .split(/[\s-]+/u)
    .filter((word) => word.length > 0 && !FILLER.has(word))
    .map(singular);
}

export interface FieldTerms {
  /** The field's own name words. */
  readonly name: readonly string[];
  /** Phrases (name, synonyms, title) that may label or mention it in text. */
  readonly phrases: readonly string[];
  /** Words of the enclosing object's name, which disambiguate (a customer's email vs a vendor's). */
  readonly parent: readonly string[];
}

export function isGenericWord(word: string): boolean {
  return GENERIC.has(word);
}

export function fieldTerms(path: readonly string[], title: unknown): FieldTerms {
  const own = path.at(-1) ?? '';
  const name = nameWords(own);
  const phrases = new Set<string>([name.join(' ')]);
  for (const word of name) for (const synonym of SYNONYMS[word] ?? []) phrases.add(synonym);
  if (name.length > 1 && name.every((word) => word !== 'date')) phrases.add(name.at(-1) ?? '');
  if (typeof title === 'string' && title.trim().length > 0) phrases.add(phraseWords(title).join(' '));
  const parent = path.length > 1 ? nameWords(path.at(-2) ?? '') : [];
  return { name, phrases: [...phrases].filter((phrase) => phrase.length > 0), parent };
}

/**
 * How well a label (`Total due`, `Customer e-mail`) names a field, 0..1: the share of the field's name
 * words it holds (synonyms count), plus a small bonus when it also names the enclosing object.
 */
export function labelMatch(label: string, terms: FieldTerms): number {
  const words = phraseWords(label);
  if (words.length === 0 || words.length > 8) return 0;
  const joined = ` ${words.join(' ')} `;
  let best = 0;
  const specific = terms.name.filter((word) => !GENERIC.has(word));
  const weighted = (list: readonly string[]) =>
    list.reduce((total, word) => total + (GENERIC.has(word) ? 0.5 : 1), 0);
  const matchedNames = terms.name.filter((word) => words.includes(word));
  const nameCoverage =
    specific.length > 0 && specific.every((word) => words.includes(word))
      ? Math.max(0.8, weighted(matchedNames) / weighted(terms.name))
      : weighted(matchedNames) / Math.max(0.5, weighted(terms.name));
  best = nameCoverage;
  for (const phrase of terms.phrases) {
    if (joined.includes(` ${phrase} `)) best = Math.max(best, phrase.split(' ').length >= 2 ? 0.95 : 0.8);
  }
  if (best > 0 && terms.parent.length > 0 && terms.parent.some((word) => words.includes(word))) best += 0.1;
  // A label that is much longer than the name is less likely to be this field's.
  return best * (words.length > terms.name.length + 3 ? 0.8 : 1);
}
