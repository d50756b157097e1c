import { countWords } from '../text/analyze.ts';
import { currentJob, ROLE_WORD } from './cv-entries.ts';
import {
  COMPANY_WORDS,
  type Context,
  type Extracted,
  escapeRegExp,
  found,
  foundAt,
  MIN_CONFIDENCE,
  mentions,
  PERSON_WORDS,
  pick,
  wordsBefore,
} from './extraction-context.ts';
import { conflicts, type FieldTerms, isGenericWord, phraseWords, roleOf } from './field-words.ts';
import { type Found, idIn } from './patterns.ts';

// Lower-case particles inside a name ("Quinta do Vale Serrado, Lda.", "Bank of Ireland plc") are part of it.
const COMPANY =
  /\b((?:\p{Lu}[\p{L}\p{N}_&'.-]*[ \t]{1,2}(?:&[ \t]+)?(?:(?:do|da|dos|das|de|di|del|della|van|von|der|den|du|la|le|of)[ \t]+(?=\p{Lu}))?){0,4}?\p{Lu}[\p{L}\p{N}_&'.-]*,?[ \t]{1,2}(?:\(Pty\)[ \t]+)?(?:Inc|Ltd|LLC|L\.L\.C|GmbH|Corp|Corporation|Co|PLC|plc|AG|SA|S\.A|Limited|LLP|BV|B\.V|NV|N\.V|Pty|SARL|SAS|AB|AD|OOD|S\.r\.l|S\.p\.A|DAC|KG|ApS|Lda)(?![\w-])\.?(?:,?[ \t]+(?:Ltd|Inc|LLC|Limited|KG)(?![\w-])\.?)?)/gu;
const PERSON_CUE =
  /\b(?:Dear|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Hi|Hello|Regards|Sincerely|Thanks|Cheers|Best|From|Name|To)[:,]?[ \t]+((?:\p{Lu}[\p{Ll}'’-]+(?:\p{Lu}[\p{Ll}'’-]+)?)(?:[ \t]+(?:van[ \t]+|de[ \t]+)?\p{Lu}[\p{Ll}'’-]+(?:\p{Lu}[\p{Ll}'’-]+)?){1,2})(?![\p{L}])/gu;
// Sign-offs in the set's languages too; the name may follow a blank line ("Cordialement,\n\nJulien Moreau").
const SIGN_OFF =
  /\b(?:Regards|Sincerely|Thanks|Cheers|Best|Best wishes|Kind regards|Best regards|All the best|Warm regards|Warm wishes|Many thanks|With thanks|Yours sincerely|Yours faithfully|Cordialement|Bien cordialement|Bien à vous|Mit freundlichen Grüßen|Freundliche Grüße|Viele Grüße|Beste Grüße|Liebe Grüße|Saludos|Saludos cordiales|Un saludo|Atentamente|Cordiali saluti|Distinti saluti|Met vriendelijke groet|Vriendelijke groet|Met vriendelijke groeten|Med vänlig hälsning|Vänliga hälsningar|Atenciosamente|Cumprimentos),?[ \t]*\n(?:[ \t]*\n)?[ \t]*((?:\p{Lu}[\p{Ll}'’-]+(?:\p{Lu}[\p{Ll}'’-]+)?)(?:[ \t]+\p{Lu}[\p{Ll}'’-]+(?:\p{Lu}[\p{Ll}'’-]+)?){0,2})[ \t]*(?:\n|$)/gu;
const GREETING =
  /\b(?:Dear|[Hh]i|[Hh]ello|[Hh]ey|[Yy]o|Hallo|Bonjour|Beste|Liebe|Lieber|Estimad[oa]|Querid[oa]|Gentile|Car[oa]|Hej|Hola|Olá)[ \t]+((?:(?:Mr|Mrs|Ms|Dr)\.?[ \t]+)?\p{Lu}[\p{Ll}'’-]+(?:\p{Lu}[\p{Ll}'’-]+)?(?:[ \t]+\p{Lu}[\p{Ll}'’-]+(?:\p{Lu}[\p{Ll}'’-]+)?)?)(?![\p{L}])[,!]/gu;
/** `Westbridge Housing Association ("the Client")`: a party named with the role the document gives it. */
const DEFINED_PARTY =
  /((?:\p{Lu}[\p{L}&'’.-]*(?:[ \t]+|[ \t]*\n[ \t]*)(?:&[ \t]+)?){0,5}\p{Lu}[\p{L}&'’.-]*(?:,?[ \t]+(?:plc|ltd|llc|inc|gmbh|limited)\b\.?)?)[ \t]*\n?[ \t]*\((?:the[ \t]+)?["“]?(?:the[ \t]+)?([\p{L} ]{2,30}?)["”]?\)/gu;
/** The role a document gives a party right after its name: `("the Supplier")`, `(Client)`. */
const ROLE_AFTER = /^[ \t]*\n?[ \t]*\((?:the[ \t]+)?["“]?(?:the[ \t]+)?([\p{L} ]{2,30}?)["”]?\)/u;
const LAST_FOUR =
  /(?:\*{2,}[ \t]*|#{4,}[ \t]*|(?:\.{3}|…|•{2,})[ \t]*|(?:x{4}[ \t-]?){1,3}|\bending(?:[ \t]+in)?[ \t]+)(\d{4})\b/giu;
const ROLE =
  /\b(?:hiring|looking for|seeking|recruiting)\s+(?:an?\s+)?((?:\p{Lu}[\p{L}-]*)(?:\s+\p{Lu}[\p{L}-]*){0,3})|\b((?:\p{Lu}[\p{L}-]*\s+){0,3}\p{Lu}[\p{L}-]*)\s+wanted\b/gu;
const PLACE = /\b(?:at|in)\s+(?:the\s+)?((?:\p{Lu}[\p{L}'’-]*)(?:\s+\p{Lu}[\p{L}'’-]*){0,3})/gu;
const ADDRESS =
  /\b\d{1,5}\s+(?:[A-Z][\w.'-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq)\b\.?(?:,?\s+[A-Z][\w .'-]{1,40})?/gu;

function matchesOf(text: string, pattern: RegExp, group: number): Found<string>[] {
  return [...text.matchAll(pattern)].flatMap((match) => {
    const captured = match[group];
    if (captured === undefined) return [];
    const value = captured.trim().replace(/[,]$/u, '');
    return [{ value, index: match.index + match[0].indexOf(captured), raw: value }];
  });
}

/** What may stand between an identifier's qualifier and the identifier: id words and punctuation. */
const ID_GAP =
  '(?:[\\s.:#/()-]|\\b(?:no|nr|number|num|id|ident|ref|reference|reg|registration|registered|code|nummer|idnr)\\b)*';

const chosen = (result: ReturnType<typeof pick<string>>): Extracted =>
  result === undefined ? undefined : foundAt(result.candidate.value, result.candidate, result.confidence);

/** The line a position is on, lower-cased. */
function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? text.length : end).toLowerCase();
}

/** The first line of the text when it is a short heading of capitalised words (a letterhead or a CV's name). */
function headingName(text: string, maxWords: number): Found<string> | undefined {
  // "CV – Liam O'Connor", "Profile – Kwame Mensah": the name after the document's title.
  const titled =
    /^\s*(?:curriculum vitae|r[eé]sum[eé]|cv|profile)[ \t]*[-–—:][ \t]*((?:\p{Lu}[\p{L}'’-]*)(?:[ \t]+\p{Lu}[\p{L}'’-]*){1,3})[ \t]*(?:\n|$)/iu.exec(
      text,
    );
  if (titled?.[1] !== undefined && titled[1].split(/\s+/u).length <= maxWords) {
    const index = titled.index + titled[0].indexOf(titled[1]);
    return { value: titled[1], index, raw: titled[1] };
  }
  // A document's title above the name ("CURRICULUM VITAE", "RESUME", "CV") is no name.
  const title = /^(?:\s*(?:curriculum vitae|r[eé]sum[eé]|cv)\b[^\n]*\n)+/iu.exec(text)?.[0] ?? '';
  if (title.length > 0) {
    const below = headingName(text.slice(title.length), maxWords);
    return below === undefined ? undefined : { ...below, index: below.index + title.length };
  }
  const match =
    /^\s*(?:#{1,6}[ \t]+)?((?:\p{Lu}[\p{L}'’-]*)(?:[ \t]+(?:(?:van|de|von|der|&)[ \t]+)?\p{Lu}[\p{L}'’-]*){1,3})[ \t]*(?:$|\n|[ \t][—–-][ \t])/mu.exec(
      text,
    );
  if (match?.[1] === undefined || match.index > 2) return undefined;
  const value = match[1].trim();
  if (value.split(/\s+/u).length > maxWords) return undefined;
  return { value, index: match.index + match[0].indexOf(match[1]), raw: value };
}

/**
 * `BETWEEN <Name> [(ACN ...)] of <address with numbers> ("the Company")`: a party defined after its
 * address, which the name-only pattern cannot reach across.
 */
const PARTY_OF_ADDRESS =
  /\b(?:[Bb]etween|BETWEEN|[Aa]nd|AND)[ \t\n]+(\p{Lu}[\p{L}&'’.-]*(?:[ \t]+(?:&[ \t]+)?\p{Lu}[\p{L}&'’.-]*){0,6})[ \t]*(?:\([^()\n]{0,60}\)[ \t]*)?[ \t\n]+of[ \t\n]+[^()"“\n]{1,100}\n?[ \t]*\((?:the[ \t]+)?["“]?(?:the[ \t]+)?([\p{L} ]{2,30}?)["”]?\)/gu;

/** The party a document defines with the field's role (`X ("the Client")`), 0.85. */
function definedParty(context: Context, terms: FieldTerms): Extracted {
  const phrases = new Set(terms.phrases.map((phrase) => phrase.toLowerCase()));
  for (const match of context.text.matchAll(PARTY_OF_ADDRESS)) {
    const role = (match[2] ?? '').trim().toLowerCase();
    const name = match[1] ?? '';
    if (name.length === 0 || (!phrases.has(role) && !terms.name.includes(role))) continue;
    const start = match.index + match[0].indexOf(name);
    return found(name, start, start + name.length, 0.8);
  }
  for (const match of context.text.matchAll(DEFINED_PARTY)) {
    const role = (match[2] ?? '').trim().toLowerCase();
    if (!phrases.has(role) && !terms.name.includes(role)) continue;
    // "Between Halcyon Retail Group plc (the Customer)": the sentence's first word is not the name's.
    // "by and between Prairie\nDairy Cooperative ("Client")": a name wrapped onto the next line is one name.
    const name = (match[1] ?? '').trim().replace(/^(?:Between|And|With|By|From|To|For|Of)\s+/iu, '');
    if (/^(?:between|and|with|by|from|to|for|of)$/iu.test(name)) continue;
    const start = match.index + match[0].indexOf(name);
    if (name.includes('\n')) {
      if (/,[ \t\n]*$|\bof[ \t\n]*$/iu.test(context.text.slice(Math.max(0, start - 12), start))) continue;
      return found(name.replace(/\s+/gu, ' '), start, start + name.length, 0.85);
    }
    // "Aroha Walker of Lower Hutt ("the Contractor")": the words before the role are the party's
    // address; the party is named after "between" or "and", before "of".
    // "Pixelworks Studio GmbH, Berlin (the "Agency")": the words before the role are the party's town;
    // the party is the organisation before the comma, or no answer.
    if (/,[ \t\n]*$/u.test(context.text.slice(Math.max(0, start - 4), start))) {
      const before = context.text.slice(Math.max(0, start - 120), start).replace(/,[ \t\n]*$/u, '');
      const company = [...before.matchAll(COMPANY)].at(-1);
      const value = company?.[1];
      if (
        company !== undefined &&
        value !== undefined &&
        company.index + company[0].length === before.length
      ) {
        const at = start - (context.text.slice(Math.max(0, start - 120), start).length - company.index);
        return found(value, at, at + value.length, 0.8);
      }
      continue;
    }
    if (/\bof[ \t\n]*$/iu.test(context.text.slice(Math.max(0, start - 12), start))) {
      const party = partyBeforeAddress(context.text, start);
      if (party !== undefined) return found(party.value, party.index, party.index + party.value.length, 0.8);
      continue;
    }
    return found(name, start, start + name.length, 0.85);
  }
  return partyByRoleCue(context, terms);
}

/**
 * Where a document gives a party its role: `("the Customer")`, `(hereinafter "the Supplier")`,
 * `– nachfolgend „Auftraggeber“ –`, `ci-après « le Prestataire »`, `en adelante "el Cliente"`.
 */
const ROLE_CUE =
  /\((?:hereinafter|hereafter)?[ \t]*(?:referred[ \t]+to[ \t]+as[ \t]+|called[ \t]+)?(?:the[ \t]+)?["“„«]?[ \t]*(?:the[ \t]+)?(\p{L}[\p{L} ]{1,29}?)[ \t]*["”“»]?\)|\b(?:hereinafter|hereafter|nachfolgend|im[ \t]+Folgenden|ci-après|en[ \t]+adelante|di[ \t]+seguito|hierna)[ \t,]*(?:(?:referred[ \t]+to[ \t]+as|called|genannt|dénommée?|denominad[oa]|denominat[oa]|te[ \t]+noemen)[ \t]+)?["“„«]?[ \t]*(?:(?:the|le|la|l'|el|il|lo)[ \t]+)?(\p{L}+)/giu;

const CLAUSE_STOP =
  /\n[ \t]*\n|(?<!\b(?:Co|Ltd|Inc|No|Nr|St|Mr|Mrs|Ms|Dr|Corp|Bros|S\.A|B\.V|N\.V))[.!?][ \t]*(?:\n|[ \t]+(?=\p{Lu}))/gu;

/**
 * The party a clause gives the field's role, when the name with its legal form opens the clause and an
 * aside stands between it and the role (`(1) Halden Logistics Limited, a company registered in England
 * (company number 0881) ("the Customer")`; `Stadtwerke Kleinfeld GmbH, Bahnhofstraße 1\n– nachfolgend
 * „Auftraggeber“ –`). The clause starts after the previous role cue, at most two lines up; its first
 * organisation is the party. Without one, no answer.
 */
function partyByRoleCue(context: Context, terms: FieldTerms): Extracted {
  const phrases = new Set(terms.phrases.map((phrase) => phrase.toLowerCase()));
  let previousEnd = 0;
  for (const cue of context.text.matchAll(ROLE_CUE)) {
    const role = (cue[1] ?? cue[2] ?? '').trim().toLowerCase();
    const clauseEnd = cue.index;
    const from = previousEnd;
    previousEnd = cue.index + cue[0].length;
    if (!phrases.has(role) && !terms.name.includes(role)) continue;
    let lineStart = clauseEnd;
    // The cue's line and the two above it.
    for (let line = 0; line < 3 && lineStart > 0; line++)
      lineStart = context.text.lastIndexOf('\n', lineStart - 1);
    let start = Math.max(from, lineStart + 1, clauseEnd - 300);
    // ... and no further back than the sentence or the paragraph it is in.
    const stop = [...context.text.slice(start, clauseEnd).matchAll(CLAUSE_STOP)].at(-1);
    if (stop !== undefined) start += stop.index + stop[0].length;
    const clause = context.text.slice(start, clauseEnd);
    const company = matchesOf(clause, COMPANY, 1).map((found) => {
      const lead =
        /^(?:BETWEEN|Between|AND|And|BY|By|WITH|With|Zwischen|ZWISCHEN|Entre|Tra|Tussen)[ \t]+/u.exec(
          found.value,
        )?.[0];
      return lead === undefined
        ? found
        : {
            value: found.value.slice(lead.length),
            index: found.index + lead.length,
            raw: found.value.slice(lead.length),
          };
    })[0];
    if (company === undefined) continue;
    return found(company.value, start + company.index, start + company.index + company.value.length, 0.8);
  }
  return undefined;
}

/**
 * The party of `between|and <Name> [(registration)] of <address> ("the Role")`: the name after the last
 * "between" or "and" before the address, up to an aside or "of".
 */
function partyBeforeAddress(text: string, addressStart: number): Found<string> | undefined {
  const before = text.slice(Math.max(0, addressStart - 200), addressStart);
  const offset = addressStart - before.length;
  const clauses = [...before.matchAll(/\b(?:between|and)[ \t\n]+/giu)];
  const clause = clauses.at(-1);
  if (clause === undefined) return undefined;
  const from = clause.index + clause[0].length;
  const match =
    /^((?:\p{Lu}[\p{L}&'’.-]*)(?:[ \t]+(?:&[ \t]+)?\p{Lu}[\p{L}&'’.-]*){0,6})[ \t]*(?:\([^)]{0,60}\)[ \t\n]*)?of\b/u.exec(
      before.slice(from),
    );
  if (match?.[1] === undefined) return undefined;
  return { value: match[1], index: offset + from, raw: match[1] };
}

const DOCUMENT_WORDS =
  /\b(?:invoice|receipt|order|statement|quote|quotation|notice|agreement|contract|confirmation|letter|engagement|proposal|schedule|terms|memorandum|summary|advice|report)\b/iu;

function companyFor(context: Context, terms: FieldTerms): Extracted {
  const defined = definedParty(context, terms);
  if (defined !== undefined) return defined;
  // A company the document defines as another party (`X ("the Supplier")` for a client) is never this one.
  // "BETWEEN Kookaburra Digital Pty Ltd": a capitalised clause word is not the name's.
  const all = matchesOf(context.text, COMPANY, 1).map((company) => {
    const lead = /^(?:BETWEEN|Between|AND|And|BY|By|WITH|With)[ \t]+/u.exec(company.value)?.[0];
    if (lead === undefined) return company;
    const value = company.value.slice(lead.length);
    return { value, index: company.index + lead.length, raw: value };
  });
  const roleAfter = (company: Found<string>) =>
    ROLE_AFTER.exec(
      context.text
        .slice(company.index + company.raw.length)
        // "Codeforge Labs LLC, a Texas limited liability company ("Developer")": the description between.
        .replace(/^,[ \t]+an?[ \t]+[^()"“\n]{0,40}(?:\n[^()"“\n]{0,40})?(?=[ \t]*\()/u, ''),
    );
  const described = all.find((company) => {
    const role = (roleAfter(company)?.[1] ?? '').trim().toLowerCase();
    return role.length > 0 && (terms.phrases.includes(role) || terms.name.includes(role));
  });
  if (described !== undefined) return foundAt(described.value, described, 0.8);
  const companies = all.filter((company) => {
    const defined = roleAfter(company);
    return defined === null || !conflicts(phraseWords(defined[1] ?? ''), terms);
  });
  const role = roleOf(terms.name);
  // A current employer is said to be current: the only company of a CV may be a past one.
  const current = terms.name.includes('current');
  const near = pick(context, 'company', companies, terms, role === undefined && !current);
  if (near !== undefined && near.confidence >= MIN_CONFIDENCE) return chosen(near);
  if (terms.name.some((word) => word === 'employer')) {
    const said = worksAs(context.text, 'employer');
    if (said !== undefined) return said;
    // The current employer: a company on a line that says the job is current.
    // ... and not said to be a past one ("previously staff photographer at X").
    const current = companies.find(
      (company) =>
        CURRENT_JOB.test(lineAt(context.text, company.index)) &&
        !wordsBefore(context.text, company.index).some((word) =>
          ['previously', 'formerly', 'former', 'previous', 'ex', 'until', 'left'].includes(word),
        ),
    );
    if (current !== undefined) return foundAt(current.value, current, 0.65);
    const entry = currentJob(context.text).employer;
    if (entry !== undefined) return foundAt(entry.value, entry, 0.6);
  }
  // A letter that opens with its addressee ("Mr Owen Price / Price Joinery Ltd") has no letterhead there.
  // ... and a purchase order's letterhead is its buyer's.
  // ... the buyer's when the document says the buyer issued it (a purchase order).
  const letterheadRole = context.issuer === 'buyer' ? 'buyer' : 'seller';
  if (role === letterheadRole && !/^\s*(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?[ \t]+\p{Lu}/u.test(context.text)) {
    // A letterhead: the seller's name opens the document, before any party label.
    // It opens a line of the letterhead (the first three lines), with no label before it.
    const first = companies[0];
    const lineStart = first === undefined ? 0 : context.text.lastIndexOf('\n', first.index - 1) + 1;
    if (
      first !== undefined &&
      first.index < 60 &&
      context.text.slice(0, lineStart).split('\n').length <= 3 &&
      context.text.slice(lineStart, first.index).trim().length === 0 &&
      // ... and stands alone or before an address, not as the subject of a sentence ("X would like to order").
      /^(?:[ \t]*(?:$|\n|[,·|•–—-])|[ \t]{2,})/u.test(context.text.slice(first.index + first.raw.length))
    )
      return foundAt(first.value, first, 0.6);
    const heading = headingName(context.text, 5);
    if (heading !== undefined && !DOCUMENT_WORDS.test(heading.value))
      return foundAt(heading.value, heading, 0.55);
  }
  // An e-mail's company is its sender's: the organisation of the signature block.
  if (
    role === undefined &&
    terms.name.some((word) => ['company', 'organisation', 'organization'].includes(word))
  ) {
    const signature = signatureCompany(context.text);
    if (signature !== undefined) return foundAt(signature.value, signature, 0.6);
  }
  // A letter's signature names its sender's company: the issuer's (the seller of an invoice sent as a
  // letter, the buyer of an e-mailed purchase order), when a document word says who that is.
  if (role !== undefined && role === context.issuer) {
    const signOff = [...context.text.matchAll(LETTER_SIGN_OFF)].at(-1);
    const signed =
      signOff === undefined ? undefined : companies.find((company) => company.index > signOff.index);
    if (signed !== undefined) return foundAt(signed.value, signed, 0.6);
  }
  return undefined;
}

/**
 * The organisation in the signature block under the last sign-off: in the three lines after the signed
 * name, the first part (of a line cut at dashes, pipes and commas) that reads as a name of two to six
 * capitalised words and no role, digit or address; reading stops at a phone, an e-mail or an address.
 */
function signatureCompany(text: string): Found<string> | undefined {
  const signed = [...text.matchAll(SIGN_OFF)].at(-1);
  if (signed === undefined) return undefined;
  let index = signed.index + signed[0].length;
  const lines = text.slice(index).split('\n');
  const name = signed[1] ?? '';
  for (const [number, line] of lines.slice(0, 4).entries()) {
    const lineStart = index;
    index += line.length + 1;
    if (number === 0 && line.trim().length === 0) continue;
    if (/\d|@/u.test(line)) return undefined;
    let cursor = 0;
    const parts = line.split(/[ \t]+[–—|-][ \t]+|,[ \t]+/u);
    const first = (name.split(/\s+/u)[0] ?? '').toLowerCase();
    for (const [position, part] of parts.entries()) {
      const at = line.indexOf(part, cursor);
      cursor = at + part.length;
      const value = part.trim();
      const words = value.split(/\s+/u);
      // "Bethany Cole | Chief of Staff | Fernleaf Analytics" under "Beth": the person's full name, then
      // their role, then the organisation.
      const person =
        (first.length > 0 && (words[0] ?? '').toLowerCase().startsWith(first)) ||
        ROLE_WORD.test(parts[position + 1] ?? '');
      if (
        value.length > 0 &&
        !person &&
        value !== name &&
        words.length >= 2 &&
        words.length <= 6 &&
        words.every((word) =>
          /^(?:\p{Lu}|&$|(?:de|du|la|le|des|di|da|do|van|von|der|of|and|und|et|y)$)/u.test(word),
        ) &&
        !ROLE_WORD.test(value)
      )
        return { value, index: lineStart + at + part.indexOf(value), raw: value };
    }
  }
  return undefined;
}

/** Whether a letter's signature (after its last sign-off) names a company with a legal form. */
export function signedByCompany(text: string): boolean {
  const signOff = [...text.matchAll(LETTER_SIGN_OFF)].at(-1);
  return signOff !== undefined && matchesOf(text.slice(signOff.index), COMPANY, 1).length > 0;
}

const LETTER_SIGN_OFF =
  /^[ \t]*(?:Yours sincerely|Yours faithfully|Sincerely|Kind regards|Best regards|Regards|Best wishes|Many thanks|Thanks|Thank you|Cheers|Best)[,.!]?[ \t]*$/gmu;

/**
 * Words that say a job is the current one: "2021 – present", "(2021 – date)", "2021 – heden" (Dutch),
 * "Depuis 2023", an open range "2021 –" that nothing closes (end of line, a bracket, a column gap); not
 * "(Jul 2016 – Aug 2019)", nor "Summer 2024 – UX Research Intern".
 */
const CURRENT_JOB =
  /\b(?:present|now|to date|till date|current|currently|since|heden|depuis)\b|[-–—][ \t]*date\b|\b(?:19|20)\d\d[ \t]*[-–—](?:[ \t]*(?:$|[)|\]])|[ \t]{2,})/iu;

/**
 * "I currently work as Sous Chef at The Anchor Brasserie": the current job's title and employer, said in
 * a sentence.
 */
const WORKS_AS =
  /\b(?:(?:currently|now)\s+(?:work|working|employed)\s+as|have\s+been(?=\s+\S+(?:\s+\S+){0,5}\s+at\s+[^.\n]{0,60}\bsince\b))\s+(?:an?\s+)?((?:\p{Lu}[\p{L}-]*)(?:[ \t\n]+(?:of[ \t]+)?\p{Lu}[\p{L}-]*){0,4})\s+(?:at|with|for)\s+((?:the[ \t]+|The[ \t]+)?(?:\p{Lu}[\p{L}&'’.-]*)(?:[ \t]+(?:&[ \t]+)?\p{Lu}[\p{L}&'’.-]*){0,5})/u;

function worksAs(text: string, part: 'title' | 'employer'): Extracted {
  const match = WORKS_AS.exec(text);
  const value = match?.[part === 'title' ? 1 : 2];
  if (match === null || value === undefined) return undefined;
  const start = match.index + (part === 'title' ? match[0].indexOf(value) : match[0].lastIndexOf(value));
  return found(value, start, start + value.length, 0.7);
}

/** A job title on the line of the current job: `Senior Engineer, Acme Ltd (2021 - present)`, `2022-now  Developer at X`. */
function currentTitle(context: Context): Extracted {
  let offset = 0;
  // Markdown emphasis (`**Lead Designer**, Vela S.p.A.`) is blanked, keeping every offset.
  for (const line of context.text.replace(/\*\*|__/gu, '  ').split('\n')) {
    const start = offset;
    offset += line.length + 1;
    if (!CURRENT_JOB.test(line)) continue;
    // A line of prose ("Accra, Ghana. I am ...") is no CV entry: its first words are no title.
    if (/[.!?][ \t]+\p{Lu}/u.test(line)) continue;
    const match =
      /^[ \t]*(?:(?:\p{L}{3,9}\.?[ \t]+)?\d{4}[ \t]*[-–][ \t]*(?:[Nn]ow|[Pp]resent|(?:\p{L}{3,9}\.?[ \t]+)?\d{4})?[ \t:]*)?((?:\p{Lu}[\p{L}-]*)(?:[ \t]+(?:of[ \t]+)?\p{Lu}[\p{L}-]*){0,4})(?:[ \t]*,|[ \t]+at[ \t]+|[ \t]+[—–-][ \t]+)/u.exec(
        line,
      );
    const title = match?.[1];
    if (match === null || title === undefined || title.length === 0) {
      // "• Sahel Solar Ltd., Abuja – Project Engineer (2021 – date)": the title after the employer, just
      // before the dates that close the line.
      const after =
        /[–—][ \t]+((?:\p{Lu}[\p{L}-]*)(?:[ \t]+\p{Lu}[\p{L}-]*){0,4})[ \t]*\([^)]*\)[ \t]*$/u.exec(line);
      const late = after?.[1];
      if (after === null || late === undefined) continue;
      const at = start + after.index + after[0].indexOf(late);
      return found(late, at, at + late.length, 0.6);
    }
    // "Eskom Holdings SOC Ltd — Senior Engineer", "Cabify — Senior Product Manager (2021 – present)": the
    // employer first; the title is the side of the dash that names a role.
    if (!ROLE_NOUN.test(title)) {
      const rest = line.slice(match[0].length);
      const other = /^((?:\p{Lu}[\p{L}-]*)(?:[ \t]+\p{Lu}[\p{L}-]*){0,4})/u.exec(rest)?.[1];
      if (other !== undefined && ROLE_NOUN.test(other) && /[—–-][ \t]*$/u.test(match[0])) {
        const at = start + match[0].length;
        return found(other, at, at + other.length, 0.6);
      }
      if (LEGAL_NAME.test(title)) continue;
    }
    const at = start + match[0].indexOf(title);
    return found(title, at, at + title.length, 0.6);
  }
  return undefined;
}

/** A word that names a role: what a job title holds and an employer's name does not. */
const ROLE_NOUN =
  /\b(?:engineer|manager|developer|designer|analyst|director|consultant|nurse|officer|lead|head|specialist|assistant|associate|intern|architect|scientist|researcher|accountant|teacher|chef|supervisor|coordinator|administrator|advisor|adviser|executive|president|founder|technician|editor|writer|photographer|recruiter|representative|clerk|operative|programmer|tester|fellow|lecturer|professor|physician|doctor|pharmacist|paralegal|solicitor|lawyer|counsel|controller|planner|agent|ceo|cto|cfo|coo)s?\b/iu;
/** A name with a legal form: an organisation's, never a job title. */
const LEGAL_NAME =
  /\b(?:Inc|Ltd|LLC|LLP|GmbH|Corp|Corporation|PLC|plc|AG|SA|Limited|BV|NV|Pty|SARL|SAS|AB|SOC|Lda|KG|DAC)\b/u;

/** "- Lena" on a line of its own among the last three lines: an informal note's signature. */
function dashSignature(text: string): Found<string> | undefined {
  const lines = text.trimEnd().split('\n');
  const from = Math.max(0, lines.length - 3);
  for (let index = from; index < lines.length; index++) {
    const match = /^[ \t]*[-–—][ \t]*(\p{Lu}[\p{Ll}'’-]+(?:[ \t]+\p{Lu}[\p{Ll}'’-]+)?)[ \t]*$/u.exec(
      lines[index] ?? '',
    );
    if (match?.[1] === undefined) continue;
    const lineStart = lines.slice(0, index).reduce((sum, line) => sum + line.length + 1, 0);
    const at = lineStart + (lines[index] ?? '').indexOf(match[1]);
    return { value: match[1], index: at, raw: match[1] };
  }
  return undefined;
}

const SALUTATION =
  /^(?:Customer|Customers|Client|Sir|Sirs|Madam|Team|All|Colleague|Colleagues|Friend|Friends|Member|Members|Valued Customer|Applicant|Guest|User|Everyone|There)$/iu;

function personFor(context: Context, terms: FieldTerms): Extracted {
  const role = roleOf(terms.name);
  const cued = pick(context, 'person', matchesOf(context.text, PERSON_CUE, 1), terms, false);
  if (cued !== undefined && cued.confidence >= MIN_CONFIDENCE) return chosen(cued);
  if (role === 'seller') {
    const signed = matchesOf(context.text, SIGN_OFF, 1).at(-1) ?? dashSignature(context.text);
    if (signed !== undefined) return foundAt(signed.value, signed, 0.6);
  }
  if (role === 'buyer') {
    // "Dear Customer", "Dear Sir or Madam": a salutation names no one.
    const greeted = matchesOf(context.text, GREETING, 1).filter((name) => !SALUTATION.test(name.value))[0];
    if (greeted !== undefined) return foundAt(greeted.value, greeted, 0.6);
  }
  if (role === undefined && terms.name.some((word) => word === 'full' || word === 'candidate')) {
    const heading = headingName(context.text, 4);
    if (heading !== undefined) return foundAt(heading.value, heading, 0.6);
    const signed = matchesOf(context.text, SIGN_OFF, 1).at(-1);
    if (signed !== undefined) return foundAt(signed.value, signed, 0.55);
  }
  return undefined;
}

const PERSON_FIELDS = new Set(['sender', 'recipient', 'full', 'candidate', 'person', 'author', 'contact']);

/**
 * Strings by what the field's name says they are: phones, companies (by role: a vendor's name is never
 * taken from after `Bill to:`), people, job titles, places, addresses, titles, identifiers and
 * `<field> is <value>` phrases. Each answer carries the span it was read from.
 */
export function stringByName(context: Context, terms: FieldTerms): Extracted {
  const words = terms.name;
  const { text } = context;
  if (words.includes('last') && (words.includes('four') || words.includes('4') || words.includes('digit'))) {
    const lastFour = matchesOf(text, LAST_FOUR, 1)[0];
    return lastFour === undefined ? undefined : foundAt(lastFour.value, lastFour, 0.75);
  }
  const personField = words.some((word) => PERSON_FIELDS.has(word));
  if (
    !personField &&
    (words.some((word) => COMPANY_WORDS.has(word)) || (words.includes('name') && roleOf(words) !== undefined))
  ) {
    const company = companyFor(context, terms);
    if (company !== undefined) return company;
  }
  if (
    (personField || words.some((word) => PERSON_WORDS.has(word))) &&
    !words.some((word) => COMPANY_WORDS.has(word) || word === 'job')
  ) {
    const person = personFor(context, terms);
    if (person !== undefined) return person;
  }
  if (words.some((word) => ['job', 'position', 'role'].includes(word))) {
    const said = worksAs(text, 'title');
    if (said !== undefined) return said;
    const current = currentTitle(context);
    if (current !== undefined) return current;
    const entry = currentJob(text).title;
    if (entry !== undefined) return foundAt(entry.value, entry, 0.6);
    // "looking for a Head of HR role": a role sought, after any job the text says is held.
    const role = chosen(pick(context, 'role', matchesOf(text, ROLE, 1), terms, false));
    if (role !== undefined) return role;
  }
  if (words.includes('location') || words.includes('venue') || words.includes('place')) {
    const place = chosen(pick(context, 'place', matchesOf(text, PLACE, 1), terms, true));
    if (place !== undefined) return place;
  }
  if (words.includes('address')) {
    const address = chosen(pick(context, 'address', matchesOf(text, ADDRESS, 0), terms, true));
    if (address !== undefined) return address;
  }
  if (
    words.some((word) =>
      ['title', 'subject', 'headline', 'summary', 'description', 'topic'].includes(word),
    ) &&
    !words.includes('job')
  ) {
    // A short first line (a heading) is the title; a first line that is a whole sentence is not.
    const line = /^\s*(.*)$/mu.exec(text);
    const first = (line?.[1] ?? '').trim();
    const prefix = /^[\p{L} ]{1,20}:\s*/u.exec(first)?.[0] ?? '';
    const heading = first.slice(prefix.length).replace(/[.!?]+$/u, '');
    if (heading.length > 0 && countWords(heading) <= 8 && !/[.!?]\s/u.test(heading)) {
      const start = text.indexOf(first) + prefix.length;
      return found(heading, start, start + heading.length, 0.6);
    }
  }
  const specific = words.filter((word) => !isGenericWord(word));
  const idField =
    words.some((word) => ['number', 'id', 'no', 'reference', 'ref', 'code'].includes(word)) ||
    specific.includes('tracking');
  if (idField) {
    // `<qualifier> [no./#/number] <id>`: the field's own qualifier (invoice, PO, tracking), never a bare
    // "number", and nothing but id words between them ("VAT at 20%" holds no VAT number).
    const qualifiers = terms.phrases.filter(
      (phrase) => !['number', 'no', 'id', '#', 'ref', 'reference', 'num'].includes(phrase),
    );
    const phrase = new RegExp(
      `^(?:${qualifiers
        .sort((left, right) => right.length - left.length)
        .map((words) => escapeRegExp(words).replace(/ /g, '[\\s_-]+'))
        .join('|')})s?${ID_GAP}`,
      'iu',
    );
    // The field's own word first ("Receipt no. 0231-04-118822" over "TRANS 5567" for a receipt number,
    // "Order 30-77815" over "PO 4411" for an order number), then its synonyms, each in text order.
    const own = qualifiers.filter((qualifier) => words.includes(qualifier));
    const positions = [
      ...mentions(context, { ...terms, phrases: own }),
      ...mentions(context, { ...terms, phrases: qualifiers.filter((qualifier) => !own.includes(qualifier)) }),
    ];
    for (const position of [...new Set(positions)]) {
      const rest = text.slice(
        position,
        text.indexOf('\n', position) === -1 ? undefined : text.indexOf('\n', position),
      );
      const lead = phrase.exec(rest);
      if (lead === null) continue;
      const id = idIn(rest.slice(lead[0].length - 1));
      if (id === undefined || id.index > 2) continue;
      const start = position + lead[0].length - 1 + id.index;
      // "Work order WO-5512" is no purchase order: the word before the qualifier counts too.
      if (conflicts(wordsBefore(text, position).slice(-1), terms)) continue;
      return found(id.value, start, start + id.value.length, 0.7);
    }
  }
  // "<field> is/was/called/named <value>": the value runs to the end of the clause ("$2.5 million" whole).
  for (const position of mentions(context, terms)) {
    const rest = text.slice(position);
    const match =
      /^[\p{L}\p{N}_ -]*?\s+(?:is|was|are|were|called|named|=)\s+["“]?((?:[^.,;!?\n"”]|[.,](?=\d))(?:[^.,;!?\n"”]|[.,](?=\d)){0,79})/iu.exec(
        rest,
      );
    if (match?.[1] !== undefined) {
      let value = match[1].trim().split(/\s+/u).slice(0, 6).join(' ');
      // An identifier is an identifier: "order 55120 is on its way" names no order number "on its way".
      if (idField) value = idIn(` ${value}`)?.value ?? '';
      const start = position + match[0].length - match[1].length + match[1].indexOf(value);
      if (value.length > 0 && text.slice(start, start + value.length) === value)
        return found(value, start, start + value.length, 0.55);
    }
  }
  return undefined;
}
