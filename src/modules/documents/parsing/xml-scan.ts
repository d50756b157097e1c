import { tooDeep } from './block-sink.ts';
import { DocumentParseError } from './parse-error.ts';
import type { ParseLimits } from './parse-limits.ts';

const LESS_THAN = 0x3c;
const GREATER_THAN = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;

/**
 * One linear pass over an XML part before any XML parser sees it: element nesting against
 * `maxNestingDepth` (the parsers downstream recurse per level), and no DTD, which OOXML forbids and which
 * is the door to entity-expansion bombs and external entities.
 */
export function checkXmlPart(content: Uint8Array, name: string, limits: ParseLimits): void {
  const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  let depth = 0;
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf(LESS_THAN, at);
    if (open === -1) return;
    const next = text[open + 1];
    if (next === BANG) {
      if (startsWithAt(text, '<!--', open)) at = after(text, '-->', open + 4);
      else if (startsWithAt(text, '<![CDATA[', open)) at = after(text, ']]>', open + 9);
      else
        throw new DocumentParseError(
          `The DOCX could not be read: ${name} declares a DTD, which Word documents never contain.`,
        );
    } else if (next === QUESTION) {
      at = after(text, '?>', open + 2);
    } else if (next === SLASH) {
      depth--;
      at = after(text, '>', open + 2);
    } else {
      let quote = 0;
      let index = open + 1;
      for (; index < text.length; index++) {
        const byte = text[index];
        if (quote !== 0) {
          if (byte === quote) quote = 0;
        } else if (byte === DOUBLE_QUOTE || byte === SINGLE_QUOTE) quote = byte;
        else if (byte === GREATER_THAN) break;
      }
      if (index >= text.length) return;
      if (text[index - 1] !== SLASH && ++depth > limits.maxNestingDepth)
        throw tooDeep(limits, `DOCX part ${name}`);
      at = index + 1;
    }
  }
}

function after(text: Buffer, terminator: string, from: number): number {
  const end = text.indexOf(terminator, from, 'latin1');
  return end === -1 ? text.length : end + terminator.length;
}

function startsWithAt(text: Buffer, prefix: string, at: number): boolean {
  return text.subarray(at, at + prefix.length).toString('latin1') === prefix;
}
