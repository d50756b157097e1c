import type { Found } from './patterns.ts';

/**
 * The current job of a CV, read from its entry line: the line whose dates say it is current ("2021 –
 * present", "since 2020", "seit 04/2020", "2021 – today", "Jan 2021 – Till date"). Without its dates,
 * the line's parts (cut at commas, dashes, pipes, " at " and column gaps) are a title (the part that
 * names a role) and an employer (the part after the title, else the one before it). Places are not told
 * from employers by their words, so an entry whose employer side is ambiguous gives no employer.
 */

/** Dates that say a job is current, in the languages of the set (present, today, heute, seit, desde ...). */
const CURRENT_MARK =
  /\b(?:present|now|today|to date|till date|current|currently|heden|heute|aktuell|actualidad|presente|oggi|aujourd['’]hui|idag|hoy)\b|(?:^|[\s(])(?:since|seit|depuis|desde|dal|sinds|sedan)[ \t]+(?:\p{L}{3,9}\.?[ \t]+)?(?:\d{1,2}[/.])?(?:19|20)\d\d\b/iu;

const MONTH = '(?:\\p{L}{3,9}\\.?[ \\t]+|\\d{1,2}[/.])?';
const END = `(?:present|now|today|to[ \\t]+date|till[ \\t]+date|current|heden|heute|aktuell|actualidad|presente|oggi|aujourd['’]hui|idag|hoy|date|${MONTH}(?:19|20)\\d\\d)`;
/** A date range or a "since" date, with the brackets around it. */
const DATES = new RegExp(
  `\\(?[ \\t]*(?:(?:since|seit|depuis|desde|dal|sinds|sedan)[ \\t]+${MONTH}(?:19|20)\\d\\d|${MONTH}(?:19|20)\\d\\d[ \\t]*(?:[-–—]|to|bis|à|a|al|tot)[ \\t]*(?:${END})?)[ \\t]*\\)?`,
  'giu',
);

/** A word that names a role, in English and a few other languages (Laborleiterin, Ingénieur, Jefe de). */
export const ROLE_WORD =
  /\b(?:engineer|manager|developer|designer|analyst|director|consultant|nurse|officer|lead|head|specialist|assistant|associate|intern|architect|scientist|researcher|accountant|teacher|chef|supervisor|coordinator|administrator|advisor|adviser|executive|president|founder|technician|editor|writer|photographer|recruiter|representative|clerk|operative|programmer|tester|fellow|lecturer|professor|physician|doctor|pharmacist|paralegal|solicitor|lawyer|counsel|controller|planner|agent|partner|chief|secretary|owner|principal|treasurer|chair|chairman|chairwoman|vp|ceo|cto|cfo|coo|ingénieur|ingeniero|ingegnere|responsable|jefe|gerente|técnico|tecnico|directeur|directrice|chargée?)s?\b|\p{L}*(?:leiter|mitarbeiter|ingenieur|entwickler|berater|referent|techniker|kaufmann|kauffrau)(?:in)?\b/iu;

/** An employer's name looks like one: capitalised, a few words, no digits, no role word. */
function employerLike(part: string): boolean {
  return (
    /^\p{Lu}/u.test(part) &&
    !/\d/u.test(part) &&
    part.split(/\s+/u).length <= 7 &&
    part.length <= 60 &&
    !ROLE_WORD.test(part)
  );
}

export interface CurrentJob {
  readonly title?: Found<string>;
  readonly employer?: Found<string>;
}

/** The title and employer of the current job's entry line, with their offsets into `text`. */
export function currentJob(text: string): CurrentJob {
  let offset = 0;
  for (const line of text.replace(/\*\*|__/gu, '  ').split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    if (!CURRENT_MARK.test(line)) continue;
    // A line of prose ("Accra, Ghana. I am ...") is no CV entry.
    if (/[.!?][ \t]+\p{Lu}/u.test(line) || line.trim().split(/\s+/u).length > 16) continue;
    const dated = [...line.matchAll(DATES)].filter((match) => CURRENT_MARK.test(match[0]));
    if (dated.length !== 1) continue;
    // The line without its dates: each part with where it starts.
    const blanked = line.replace(DATES, (match) => ' '.repeat(match.length));
    const parts: { value: string; index: number }[] = [];
    const separator =
      /[ \t]*(?:,(?![ \t]*(?:Inc|LLC|Ltd|S\.A|S\.L)\b)|\||[ \t][—–-][ \t]|[ \t]+at[ \t]+|[ \t]+bei[ \t]+|[ \t]+chez[ \t]+|[ \t]{3,}|\t)[ \t]*/gu;
    let cursor = 0;
    const pushPart = (end: number) => {
      const raw = blanked.slice(cursor, end);
      // "Skatteverket (Swedish Tax Agency)": an aside in brackets is not part of the name.
      const value = raw
        .trim()
        .replace(/^[•·*-][ \t]*/u, '')
        .replace(/[ \t]*\([^()]*\)?$/u, '');
      if (value.length > 0) parts.push({ value, index: cursor + raw.indexOf(value) });
    };
    for (const match of blanked.matchAll(separator)) {
      pushPart(match.index);
      cursor = match.index + match[0].length;
    }
    pushPart(blanked.length);
    // "Freelance photographer since 2014, previously staff photographer at ...": prose, not an entry.
    if (parts.length < 1 || parts.length > 4 || parts.some((part) => /^\p{Ll}/u.test(part.value))) continue;
    const titleIndex = parts.findIndex(
      (part) => ROLE_WORD.test(part.value) && part.value.split(/\s+/u).length <= 6,
    );
    if (titleIndex < 0) continue;
    const title = parts[titleIndex];
    const at = (part: { value: string; index: number }): Found<string> => ({
      value: part.value,
      index: lineStart + part.index,
      raw: part.value,
    });
    // "Title at Employer": the employer follows; "Employer — Title": it precedes, when nothing follows.
    const next = parts[titleIndex + 1];
    const previous = parts[titleIndex - 1];
    const employer =
      next !== undefined && employerLike(next.value)
        ? next
        : next === undefined && previous !== undefined && employerLike(previous.value)
          ? previous
          : undefined;
    return {
      ...(title === undefined ? {} : { title: at(title) }),
      ...(employer === undefined ? {} : { employer: at(employer) }),
    };
  }
  return {};
}
