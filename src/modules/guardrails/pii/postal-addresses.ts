// Postal addresses by their shapes: a US or UK street line (number, capitalised name, street suffix) with
// its unit, town, and state + ZIP or postcode; a UK postcode or a US `City, ST 12345` alone; a continental
// street line (`Lindenstraße 14`, `Via Garibaldi 8`, `5 rue des Lilas`) followed by its postcode and city.
// Precision first: a street line alone counts only after a word that introduces a place (`at`, `to`, `:`).

export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

const US_STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR';
const US_STATE_NAMES =
  'Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming';
const ZIP = String.raw`\d{5}(?:-\d{4})?(?![\w-])`;
// The Royal Mail's letter rules for the outward and inward codes.
const UK_POSTCODE = String.raw`(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR) \d[ABD-HJLNP-UW-Z]{2}(?![\w])`;
const STREET_SUFFIX =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq|Terrace|Crescent|Close|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Row|Mews|Gardens|Grove|Walk|Parade|Esplanade|Loop|Alley|Plaza|Pike|Crossing';
const CAPITALISED = String.raw`\p{Lu}[\p{L}'’.-]*`;
const STREET_WORD = String.raw`(?:\p{Lu}[\p{L}'’-]*|\d{1,3}(?:st|nd|rd|th))`;
const TOWN = String.raw`${CAPITALISED}(?:[ \t]+${CAPITALISED}){0,2}`;
const UNIT = String.raw`(?:,[ \t]*|[ \t]+)(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|#)\.?[ \t]*#?[\w-]{1,6}`;
const SEPARATOR = String.raw`(?:\.?,[ \t]*|[ \t]*\n[ \t]*)`;
/** Before a state or postcode: a space, a comma, or a line break (an address written on three lines). */
const BEFORE_CODE = String.raw`(?:,?[ \t]+|[ \t]*\n[ \t]*)`;

/** `4821 Maple Avenue` (`221B`, `12 N Main St`, `350 Fifth Avenue`), then what may follow it. */
const ENGLISH_ADDRESS = new RegExp(
  String.raw`(?<![\w.,/-])(?:\d{1,5}[A-Z]?[ \t]+(?:(?:[NSEW]|North|South|East|West)\.?[ \t]+)?(?:${STREET_WORD}[ \t]+){1,3}(?:${STREET_SUFFIX})(?![\p{L}\d])|P\.?[ \t]?O\.?[ \t]+Box[ \t]+\d{1,6})` +
    String.raw`(?<tail>(?:${UNIT})?(?:(?:${SEPARATOR}${TOWN}){0,2}(?:${BEFORE_CODE}(?:${US_STATES}|${US_STATE_NAMES})[ \t]+${ZIP}|${BEFORE_CODE}${UK_POSTCODE})))?`,
  'gu',
);

/** `Austin, TX 78701` without a street line. */
const TOWN_STATE_ZIP = new RegExp(String.raw`(?<![\p{L}\d])${TOWN},[ \t]*(?:${US_STATES})[ \t]+${ZIP}`, 'gu');

// Not after a word that makes it a code of something else (`coupon SW1A 2AA`).
const LONE_POSTCODE = new RegExp(
  String.raw`(?<![\w-])(?<!(?:\b(?:[Cc]oupon|[Vv]oucher|[Pp]romo|[Rr]ef|[Ee]rror|[Bb]atch)|(?<![Pp]ost[ \t]?)\b[Cc]ode)[ \t:#]+)${UK_POSTCODE}`,
  'g',
);

const GERMANIC_STREET = String.raw`\p{Lu}[\p{Ll}ß]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|gracht|laan|straat|plein|kade|dijk|steeg|markt)`;
const ROMANCE_TYPE =
  'ul\\.|Calle|Avenida|Avda\\.|Plaza|Paseo|Carrer|Rua|Via|Viale|Piazza|Piazzale|Corso|Largo|Rue|Boulevard|Chemin|Allée|Place|Quai';
const PARTICLES = String.raw`(?:(?:de|del|la|las|los|le|les|des|du|da|di|dei|della|delle|do|dos|das)[ \t]+|d['’]|l['’])*`;
const FRENCH_TYPE =
  'rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai|cours|route|Rue|Avenue|Boulevard|Place|Chemin|Quai';
/** A postcode (`10969`, `1016 GV`, `D-80331`) and the town after it. */
const EUROPEAN_TAIL = String.raw`,?[ \t]+(?:[A-Z]{1,2}-)?(?:\d{5}|\d{4}-\d{3}|\d{2}-\d{3}|\d{4}(?:[ \t]?[A-Z]{2})?)[ \t]+\p{Lu}[\p{L}'’]+(?:-\p{Lu}[\p{L}'’]+)?`;

const EUROPEAN_ADDRESS = new RegExp(
  String.raw`(?<![\p{L}\d])(?:(?:${GERMANIC_STREET}|(?:${ROMANCE_TYPE})[ \t]+${PARTICLES}\p{Lu}[\p{L}'’-]*(?:[ \t]+\p{Lu}[\p{L}'’-]*){0,2}),?[ \t]+\d{1,4}[a-zA-Z]?|\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?:${FRENCH_TYPE})[ \t]+${PARTICLES}\p{L}[\p{L}'’-]*(?:[ \t]+\p{Lu}[\p{L}'’-]*){0,3})${EUROPEAN_TAIL}`,
  'gu',
);

// What may come just before a street line given alone, without its town: a word that introduces a place.
const PLACE_CUE =
  /(?:(?:^|[^\p{L}])(?:at|to|from|on|in|is|address|lives?|living|located|moved|ship|send|deliver|visit)[ \t]+|[:(][ \t]*|^[ \t]*|\n[ \t]*)$/iu;

function matches(pattern: RegExp, text: string): RegExpExecArray[] {
  pattern.lastIndex = 0;
  const found: RegExpExecArray[] = [];
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) found.push(match);
  return found;
}

/** Every postal address in a text (longest first where two shapes overlap; the caller resolves overlaps). */
export function findPostalAddresses(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const match of matches(ENGLISH_ADDRESS, text)) {
    const complete = (match.groups?.tail ?? '') !== '';
    const before = text.slice(Math.max(0, match.index - 32), match.index);
    if (!complete && !PLACE_CUE.test(before)) continue;
    spans.push({ start: match.index, end: match.index + match[0].length });
  }
  for (const pattern of [EUROPEAN_ADDRESS, TOWN_STATE_ZIP, LONE_POSTCODE]) {
    for (const match of matches(pattern, text)) {
      spans.push({ start: match.index, end: match.index + match[0].length });
    }
  }
  return spans;
}
