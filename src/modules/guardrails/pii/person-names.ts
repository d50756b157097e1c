// Person names by their cues, precision first: a title (`Dr. Helen Okafor`, `Mr Jenkins`), an introduction
// (`my name is`, `I'm`, `call me`, `Name:`, `From:`, `Signed,`), a greeting (`Dear Tomasz,`), a signature
// after a sign-off line, a listed given name opening a line (`Thomas, can you...`), or a listed given name
// followed by a capitalised surname (`Carlos Mendoza`). A capitalised word alone is never taken for a name.
import { GIVEN_NAMES } from './given-names.ts';
import type { TextSpan } from './postal-addresses.ts';

const WORD = String.raw`(?:Mc|Mac)?\p{Lu}(?:['’]\p{Lu})?\p{Ll}+(?:-\p{Lu}\p{Ll}+)*`;
const PARTICLE = '(?:van|von|der|den|de|da|del|della|di|du|le|la|bin|ibn|al|el)';
/** One to three name words, particles between them (`Anna van der Berg`). */
const NAME = String.raw`${WORD}(?:[ \t]+(?:${PARTICLE}[ \t]+)*${WORD}){0,2}`;
const END = String.raw`(?![\p{L}\d'’])`;
const TITLES = 'Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Herr|Frau|Mme|Mlle|Monsieur|Madame|Sr|Sra|Srta';
/** A title before a cued name is not part of it (`Dear Ms Okonkwo`, `Signed by Prof. Alan Turing`). */
const TITLED = String.raw`(?:(?:${TITLES})\.?[ \t]+)?`;

const TITLE = new RegExp(String.raw`(?<![\p{L}])(?:${TITLES})\.?[ \t]+(?<name>${NAME})${END}`, 'gu');
/** Cues after which any capitalised words are a name. */
const INTRODUCED = new RegExp(
  String.raw`(?:\b(?:[Mm]y name is|[Mm]y name's|[Nn]ame:|[Ff]ull name:|From:|[Ss]igned,?|[Ss]igned by|[Jj]e m'appelle|[Mm]e llamo|[Ii]ch heiße|[Mm]i chiamo)[ \t]*)${TITLED}(?<name>${NAME})${END}`,
  'gu',
);
/** Cues after which the first word must be a listed given name (`I'm John`, not `I'm Sorry`). */
const INTRODUCED_GIVEN = new RegExp(
  String.raw`(?:\b(?:I am|I'm|I’m|[Tt]his is|[Cc]all me|[Aa]sk for)[ \t]+)(?<name>${NAME})${END}`,
  'gu',
);
const GREETING = new RegExp(
  String.raw`(?:^|[^\p{L}])(?<cue>Dear|Hi|Hello|Hey|Bonjour|Hola|Hallo|Ciao|Liebe|Lieber|Querido|Querida|Cher|Chère)[ \t]+${TITLED}(?<name>${NAME})[ \t]*[,!:\n]`,
  'gu',
);
/** A label naming a person, then one name or a list of them (`Attendees: Liu Yang, Sam Carter`). */
const LABELLED = new RegExp(
  String.raw`\b(?:[Aa]ssigned to|[Aa]ssignee|[Cc]andidate|[Aa]ttendees?|[Pp]articipants?|[Rr]eviewers?|[Aa]pplicant|[Pp]atient|[Ee]mployee|[Aa]ccount holder|[Cc]ontact person|[Rr]ecipient|[Ss]ender|[Aa]uthor|[Oo]wner)[ \t]*:[ \t]*${TITLED}(?<list>${NAME}(?:(?:,[ \t]*|[ \t]+and[ \t]+)${NAME})*)`,
  'gu',
);
/** Thanks or a greeting, a comma, then a listed given name alone (`Thanks so much, Ines!`). */
const THANKED = new RegExp(
  String.raw`\b(?:Thanks|Thank you|Cheers|Hi|Hello|Hey)(?:[ \t]+so[ \t]+much|[ \t]+a[ \t]+lot)?,[ \t]+(?<name>${WORD})(?=[ \t]*[!.,?]|[ \t]*$)`,
  'gmu',
);
const SIGN_OFF = new RegExp(
  String.raw`(?:^|\n)[ \t]*(?:Regards|Kind regards|Best regards|Warm regards|Best wishes|Best|Thanks|Thank you|Many thanks|Cheers|Sincerely|Yours sincerely|Yours truly|Respectfully|Cordialement|Saludos|Un saludo|Viele Grüße|Mit freundlichen Grüßen|Cordiali saluti)[ \t]*[,!.]?[ \t]*\n[ \t]*(?<name>(?:\p{Lu}\.[ \t]+)?${NAME})[ \t]*(?=\n|$)`,
  'gu',
);
/** A listed given name opening a line and addressed (`Thomas, can you...`). */
const VOCATIVE = new RegExp(String.raw`(?:^|\n)[ \t]*(?<name>${WORD}),`, 'gu');
/** A listed given name, an optional initial, then a capitalised surname. */
const PAIR = new RegExp(
  String.raw`(?<![\p{L}\d'’-])(?<name>(?<given>${WORD})(?:[ \t]+\p{Lu}\.)?(?:[ \t]+${PARTICLE})*[ \t]+${WORD})${END}`,
  'gu',
);

// Words that are never part of a person's name here: what follows a cue in `Dear Customer`, `Best regards,
// The Support Team`, a surname slot that is a place or an organisation (`Maria Hospital`).
const NOT_NAME = new Set(
  `the a an and or of for all team support customer customers care service services sales billing department
  manager managers client clients user users member members colleague colleagues friend friends sir madam sirs
  valued everyone everybody there world folks guys hiring applicant partner partners parents admin staff
  street road avenue lane drive way court place square river lake mountain bridge station hospital clinic
  university college school bank airport park hotel church inc ltd llc corp group foundation institute center
  centre museum line building tower island bay beach county city valley office store shop
  monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
  september october november december`
    .split(/\s+/)
    .filter((word) => word !== ''),
);

const plain = (word: string) => word.normalize('NFD').replace(/\p{M}/gu, '');
const isGiven = (word: string) => GIVEN_NAMES.has(plain(word));

/** The name's words up to the first one that cannot be a name; undefined when none is left. */
function trimmed(name: string): string | undefined {
  const words = name.split(/[ \t]+/);
  const kept: string[] = [];
  for (const word of words) {
    if (NOT_NAME.has(word.toLowerCase())) break;
    kept.push(word);
  }
  while (kept.length > 0 && /^\p{Ll}/u.test(kept.at(-1) ?? '')) kept.pop();
  return kept.length === 0 ? undefined : kept.join(' ');
}

function spansOf(
  pattern: RegExp,
  text: string,
  accept: (name: string, match: RegExpExecArray) => boolean = () => true,
): TextSpan[] {
  pattern.lastIndex = 0;
  const spans: TextSpan[] = [];
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const captured = match.groups?.name;
    if (captured === undefined) continue;
    const name = trimmed(captured);
    if (name === undefined || !accept(name, match)) {
      // `Employee Maria Garcia`: a refused pair may hide one that starts at its second word.
      pattern.lastIndex = match.index + 1;
      continue;
    }
    const start = match.index + match[0].indexOf(captured);
    spans.push({ start, end: start + name.length });
  }
  return spans;
}

const firstWord = (name: string) => name.split(/[ \t]/)[0] ?? '';

/** Each name of a labelled list, where it stands in the text. */
function listed(text: string): TextSpan[] {
  LABELLED.lastIndex = 0;
  const spans: TextSpan[] = [];
  for (let match = LABELLED.exec(text); match !== null; match = LABELLED.exec(text)) {
    const list = match.groups?.list ?? '';
    let offset = match.index + match[0].lastIndexOf(list);
    for (const item of list.split(/(,[ \t]*|[ \t]+and[ \t]+)/)) {
      const name = /^[,\s]|^[ \t]+and/.test(item) ? undefined : trimmed(item);
      if (name !== undefined && item.startsWith(name))
        spans.push({ start: offset, end: offset + name.length });
      offset += item.length;
    }
  }
  return spans;
}

/** Every person name the cues point at (overlapping spans possible; the caller resolves them). */
export function findPersonNames(text: string): TextSpan[] {
  return [
    ...listed(text),
    ...spansOf(THANKED, text, (name) => isGiven(name)),
    ...spansOf(TITLE, text),
    ...spansOf(INTRODUCED, text),
    ...spansOf(INTRODUCED_GIVEN, text, (name) => isGiven(firstWord(name))),
    // `Dear X` takes any name; `Hi X` only a listed given name (`Hi Team`, `Hello World`).
    ...spansOf(GREETING, text, (name, match) => match.groups?.cue === 'Dear' || isGiven(firstWord(name))),
    ...spansOf(SIGN_OFF, text, (name) => isGiven(firstWord(name)) || name.includes(' ')),
    ...spansOf(VOCATIVE, text, (name) => isGiven(name)),
    ...spansOf(
      PAIR,
      text,
      (name, match) => isGiven(match.groups?.given ?? '') && name.split(/[ \t]+/).length >= 2,
    ),
  ];
}
