import { type ItemToken, wink } from './wink.ts';

/** One token as the engine uses it: its surface form, lower-cased form, lemma and wink type. */
export interface TextToken {
  readonly value: string;
  readonly normal: string;
  readonly lemma: string;
  readonly type: string;
  readonly stopWord: boolean;
  readonly negated: boolean;
}

export interface AnalyzedSentence {
  readonly index: number;
  readonly text: string;
  readonly tokens: readonly TextToken[];
  /** Lexical terms: lemmas and normalised numbers, e-mails, URLs; no stop words or punctuation. */
  readonly terms: readonly string[];
}

/** A pattern entity found by wink-nlp (DATE, TIME, MONEY, PERCENT, EMAIL, URL, CARDINAL, ORDINAL, ...). */
export interface TextEntity {
  readonly type: string;
  readonly value: string;
}

const TERM_TYPES = new Set([
  'word',
  'number',
  'email',
  'url',
  'hashtag',
  'mention',
  'time',
  'ordinal',
  'decade',
  'shortForm',
  'alpha',
  'alien',
]);
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** The lexical term of a token, or undefined for stop words, punctuation and symbols. */
export function termOf(token: TextToken): string | undefined {
  if (token.stopWord || !TERM_TYPES.has(token.type)) return undefined;
  const base = token.type === 'word' ? token.lemma : token.normal;
  const term = base.toLowerCase().replace(EDGE_PUNCTUATION, '');
  return term.length === 0 ? undefined : term;
}

/**
 * Blocks a reader sees as separate even without final punctuation: paragraphs, list items, headings.
 * wink-nlp's sentence splitter runs inside each block, so a bullet list never merges into one sentence.
 */
function blocks(text: string): string[] {
  return text
    .split(/\r?\n\s*\r?\n|\r?\n(?=\s*(?:[-*•‣◦]|\d{1,3}[.)])\s)|\r?\n(?=#{1,6}\s)/u)
    .map((block) => block.replace(/\s+/gu, ' ').trim())
    .filter((block) => block.length > 0);
}

function tokensOf(sentence: string): TextToken[] {
  const nlp = wink();
  const its = nlp.its;
  const doc = nlp.readDoc(sentence);
  const tokens: TextToken[] = [];
  doc.tokens().each((token: ItemToken) => {
    tokens.push({
      value: token.out(its.value) as string,
      normal: token.out(its.normal) as string,
      lemma: token.out(its.lemma as never) as string,
      type: token.out(its.type) as string,
      stopWord: token.out(its.stopWordFlag) as unknown as boolean,
      negated: token.out(its.negationFlag) as unknown as boolean,
    });
  });
  return tokens;
}

/**
 * A dot inside a dotted name (`Node.js`, `require.resolve`, `_.cloneDeep`, `kysely.dev`, `3.x`) or
 * opening one (`.docx`, `.encode()`): after two letters or digits, a digit, `_`, `$`, a bracket or a
 * space, and before a lower-case letter, `_` or `$`, with no space. wink-nlp ends a sentence there;
 * `U.S.`, `e.g.` and `3.7` are left to it.
 */
const DOTTED_NAME = /(?<=[\p{L}\p{N}]{2}|[\p{N}_$)\]\s]|^)\.(?=[\p{Ll}_$])/gu;
/** Stands in for that dot while wink-nlp splits (a private-use character, never in real text). */
const NAME_DOT = '\u{E000}';

/** Sentences of a text, in order, trimmed, with whitespace collapsed. */
export function splitSentences(text: string): string[] {
  const nlp = wink();
  const sentences: string[] = [];
  for (const block of blocks(text)) {
    const protectedBlock = block.replace(DOTTED_NAME, NAME_DOT);
    for (const sentence of nlp.readDoc(protectedBlock).sentences().out() as string[]) {
      const trimmed = sentence.trim().replaceAll(NAME_DOT, '.');
      if (trimmed.length > 0) sentences.push(trimmed);
    }
  }
  return sentences;
}

/** Sentences with their tokens and lexical terms. */
export function analyzeSentences(text: string): AnalyzedSentence[] {
  return splitSentences(text).map((sentence, index) => {
    const tokens = tokensOf(sentence);
    const terms: string[] = [];
    for (const token of tokens) {
      const term = termOf(token);
      if (term !== undefined) terms.push(term);
    }
    return { index, text: sentence, tokens, terms };
  });
}

/**
 * The lexical terms of a text (lemmatised, lower-cased, stop words and punctuation removed): the
 * tokenizer of the BM25 scorer, exported so retrieval indexes text the same way.
 */
export function lexicalTerms(text: string): string[] {
  if (text.trim().length === 0) return [];
  const nlp = wink();
  const its = nlp.its;
  const doc = nlp.readDoc(text);
  const terms: string[] = [];
  const types = doc.tokens().out(its.type) as string[];
  const stops = doc.tokens().out(its.stopWordFlag) as unknown as boolean[];
  const lemmas = doc.tokens().out(its.lemma as never) as string[];
  const normals = doc.tokens().out(its.normal) as string[];
  for (let index = 0; index < types.length; index++) {
    const term = termOf({
      value: '',
      normal: normals[index] ?? '',
      lemma: lemmas[index] ?? '',
      type: types[index] ?? '',
      stopWord: stops[index] ?? false,
      negated: false,
    });
    if (term !== undefined) terms.push(term);
  }
  return terms;
}

/** wink-nlp's pattern entities, with trailing sentence punctuation removed from URLs and e-mails. */
export function patternEntities(text: string): TextEntity[] {
  if (text.trim().length === 0) return [];
  const nlp = wink();
  const details = nlp
    .readDoc(text)
    .entities()
    .out(nlp.its.detail as never) as unknown as TextEntity[];
  return details.map(({ type, value }) => ({
    type,
    value: type === 'URL' || type === 'EMAIL' ? value.replace(/[.,;:!?)\]}>"']+$/u, '') : value,
  }));
}

/**
 * Words as the engine counts them for length bounds: whitespace-separated chunks holding at least one
 * letter or digit (so bullet markers and lone punctuation are not words).
 */
export function countWords(text: string): number {
  let count = 0;
  for (const chunk of text.split(/\s+/u)) if (/[\p{L}\p{N}]/u.test(chunk)) count++;
  return count;
}
