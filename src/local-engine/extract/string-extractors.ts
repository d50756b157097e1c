import { countWords } from '../text/analyze.ts';
import {
  COMPANY_WORDS,
  type Context,
  type Extracted,
  mentions,
  PERSON_WORDS,
  PHONE_WORDS,
  pick,
} from './extraction-context.ts';
import type { FieldTerms } from './field-words.ts';
import { findPhones } from './patterns.ts';

const COMPANY =
  /\b((?:[A-Z][\w&'.-]*\s+){0,4}?[A-Z][\w&'.-]*,?\s+(?:Inc|Ltd|LLC|L\.L\.C|GmbH|Corp|Corporation|Co|PLC|AG|SA|S\.A|Limited|LLP|BV|NV|Pty|SARL|SAS)\b\.?)/gu;
const PERSON =
  /\b(?:Dear|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Regards|Sincerely|Thanks|Best|From|from|by|contact|Contact|Customer|Name)[:,]?\s+((?:\p{Lu}[\p{Ll}'’-]+)(?:\s+\p{Lu}[\p{Ll}'’-]+){1,2})/gu;
const ROLE =
  /\b(?:hiring|looking for|seeking|recruiting)\s+(?:an?\s+)?((?:\p{Lu}[\p{L}-]*)(?:\s+\p{Lu}[\p{L}-]*){0,3})|\b((?:\p{Lu}[\p{L}-]*\s+){0,3}\p{Lu}[\p{L}-]*)\s+wanted\b/gu;
const PLACE = /\b(?:at|in)\s+(?:the\s+)?((?:\p{Lu}[\p{L}'’-]*)(?:\s+\p{Lu}[\p{L}'’-]*){0,3})/gu;
const ADDRESS =
  /\b\d{1,5}\s+(?:[A-Z][\w.'-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq)\b\.?(?:,?\s+[A-Z][\w .'-]{1,40})?/gu;

export function stringByName(context: Context, terms: FieldTerms): Extracted {
  const words = terms.name;
  const matchesOf = (pattern: RegExp, group: number) =>
    [...context.text.matchAll(pattern)].map((match) => ({
      value: (match[group] ?? '').trim().replace(/[,.]$/u, ''),
      index: match.index + match[0].indexOf(match[group] ?? ''),
      raw: match[0],
    }));
  if (words.some((word) => PHONE_WORDS.has(word))) {
    const phone = pick(context, 'phone', findPhones(context.text), terms, true);
    if (phone !== undefined) return { value: phone.value };
  }
  if (words.some((word) => COMPANY_WORDS.has(word))) {
    const company = pick(context, 'company', matchesOf(COMPANY, 1), terms, true);
    if (company !== undefined) return { value: company.value };
  }
  if (
    words.some((word) => PERSON_WORDS.has(word)) &&
    !words.some((word) => COMPANY_WORDS.has(word) || word === 'job')
  ) {
    const person = pick(context, 'person', matchesOf(PERSON, 1), terms, true);
    if (person !== undefined) return { value: person.value };
  }
  if (words.some((word) => ['job', 'position', 'role'].includes(word))) {
    const role = pick(context, 'role', matchesOf(ROLE, 1), terms, true);
    if (role !== undefined && role.value.length > 0) return { value: role.value };
  }
  if (words.includes('location') || words.includes('venue') || words.includes('place')) {
    const place = pick(context, 'place', matchesOf(PLACE, 1), terms, true);
    if (place !== undefined) return { value: place.value };
  }
  if (words.includes('address')) {
    const address = pick(context, 'address', matchesOf(ADDRESS, 0), terms, true);
    if (address !== undefined) return { value: address.value };
  }
  if (
    words.some((word) => ['title', 'subject', 'headline', 'summary', 'description', 'topic'].includes(word))
  ) {
    // A short first line (a heading) is the title; a first line that is a whole sentence is not.
    const first =
      context.text
        .split(/\r?\n/u)
        .find((line) => line.trim().length > 0)
        ?.trim() ?? '';
    const heading = first.replace(/^[\p{L} ]{1,20}:\s*/u, '').replace(/[.!?]+$/u, '');
    if (heading.length > 0 && countWords(heading) <= 8 && !/[.!?]\s/u.test(heading))
      return { value: heading };
  }
  if (words.some((word) => ['number', 'id', 'no', 'reference', 'ref', 'code'].includes(word))) {
    for (const position of mentions(context, {
      ...terms,
      phrases: terms.phrases
        .filter(
          (phrase) =>
            phrase.split(' ').length === 1 &&
            !['number', 'no', 'id', '#', 'ref', 'reference', 'num'].includes(phrase),
        )
        .concat(terms.name.filter((word) => !['number', 'id', 'no'].includes(word))),
    })) {
      const match =
        /^[\p{L}_ -]{0,20}?\s*(?:#|no\.?|number|nr\.?|id|ref\.?)?\s*[:#]?\s*([A-Z0-9/-]{0,15}\d[A-Z0-9/-]{0,15})(?![\p{L}\p{N}])/iu.exec(
          context.text.slice(position),
        );
      if (match?.[1] !== undefined && /\d/u.test(match[1])) return { value: match[1] };
    }
  }
  // "<field> is/was/called/named <value>"
  for (const position of mentions(context, terms)) {
    const after = context.text.slice(position).replace(/^[\p{L}\p{N}_ -]*?(?=\s)/u, '');
    const match = /^\s+(?:is|was|are|were|called|named|of|=)\s+["“]?([^.,;!?\n"”]{1,80})/iu.exec(after);
    if (match?.[1] !== undefined) {
      const value = match[1].trim().split(/\s+/u).slice(0, 6).join(' ');
      if (value.length > 0) return { value };
    }
  }
  return undefined;
}
