// Groundedness: an answer built from retrieved sources may cite only those sources, and each of its
// sentences should say what they say. The citation check is `answer`'s own (answers imports it from here).
import {
  defineGuardrail,
  type Guardrail,
  type GuardrailAction,
  type GuardrailFinding,
} from '../define-guardrail.ts';
import { checkCitations } from './citations.ts';

// Words that carry no claim of their own: a sentence's support is measured on the others.
const FUNCTION_WORDS = new Set(
  `a an the and or but if then than that this these those there here is are was were be been being am do does
  did has have had having of to in on at by for with from into onto over under about as it its it's they them
  their we our you your he she his her i me my not no yes so such can could may might must shall should will
  would also very more most less least each every any all some which who whom whose what when where why how
  per via up down out off only just both either neither nor too yet again once`
    .split(/\s+/)
    .filter((word) => word !== ''),
);

/** A sentence's content words, lower-cased, with a plural or verb `s` dropped (`keels` meets `keel`). */
function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [])
    .filter((word) => !FUNCTION_WORDS.has(word))
    .map((word) =>
      word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word,
    );
}

const SENTENCE = /[^.!?\n]+(?:[.!?]+(?:\s*\[\d{1,3}\])*|\n|$)/g;

export interface GroundednessGuardrailOptions {
  readonly name?: string;
  /** Default `flag`: a lexical check is evidence, not proof. `block` refuses the answer. */
  readonly action?: Exclude<GuardrailAction, 'redact'>;
  /**
   * The share of a sentence's content words the retrieved text must contain (0.5). Sentences with fewer
   * than `minimumWords` content words (3) are not judged (`Yes.`, a title, an id).
   */
  readonly minimumSupport?: number;
  readonly minimumWords?: number;
}

/**
 * An output check against what this call retrieved (`answer`'s `<source>` passages, tool results): a
 * citation `[n]` with no n-th retrieved text is `invalid_citation` (`answer`'s citation check); a sentence
 * whose content words are mostly absent from every retrieved text is `unsupported`. A call that retrieved
 * nothing is not judged. Whole texts only: in a stream it runs once the output is complete.
 */
export function groundednessGuardrail(options: GroundednessGuardrailOptions = {}): Guardrail {
  const minimumSupport = options.minimumSupport ?? 0.5;
  const minimumWords = options.minimumWords ?? 3;
  if (!(minimumSupport > 0 && minimumSupport <= 1)) throw new TypeError('minimumSupport must be in (0, 1]');
  return defineGuardrail({
    name: options.name ?? 'groundedness',
    description: 'Citations point at retrieved text, and sentences are supported by it.',
    stages: ['output'],
    action: options.action ?? 'flag',
    window: 'whole',
    check: (text, context) => {
      const sources = context.retrieved ?? [];
      if (sources.length === 0) return [];
      const findings: GuardrailFinding[] = [];
      const invalid = new Set(checkCitations(text, sources.length).invalid);
      for (const marker of text.matchAll(/\[(\d{1,3})\]/g)) {
        if (invalid.has(Number(marker[1]))) {
          findings.push({
            kind: 'invalid_citation',
            start: marker.index,
            end: marker.index + marker[0].length,
          });
        }
      }
      const known = new Set(sources.flatMap(contentWords));
      for (const sentence of text.matchAll(SENTENCE)) {
        const words = contentWords(sentence[0].replace(/\[\d{1,3}\]/g, ''));
        if (words.length < minimumWords) continue;
        const supported = words.filter((word) => known.has(word)).length / words.length;
        if (supported >= minimumSupport) continue;
        const start = sentence.index + (sentence[0].length - sentence[0].trimStart().length);
        findings.push({ kind: 'unsupported', start, end: sentence.index + sentence[0].trimEnd().length });
      }
      return findings;
    },
  });
}
