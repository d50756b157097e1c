/** Where a sentence ends: terminal punctuation (and closing quotes), whitespace, then a capital, digit or quote. */
const SENTENCE_END = /[.!?…]+["'”’)\]]*\s+(?=[\p{Lu}\p{N}"'“‘([¿¡])/gu;

/** Common abbreviations that end in a full stop without ending a sentence. */
const ABBREVIATION =
  /(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|etc|e\.g|i\.e|No|Fig|Inc|Ltd|Co|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b\p{Lu})\.$/u;

/** Sentences of `text.slice(start, end)` as offsets; the whitespace after a sentence belongs to it. */
export function splitSentences(
  text: string,
  start: number,
  end: number,
): Array<{ start: number; end: number }> {
  const slice = text.slice(start, end);
  const sentences: Array<{ start: number; end: number }> = [];
  let sentenceStart = 0;
  for (const match of slice.matchAll(SENTENCE_END)) {
    const boundary = match.index + match[0].length;
    const before = slice.slice(
      Math.max(sentenceStart, match.index - 12),
      match.index + match[0].trimEnd().length,
    );
    if (ABBREVIATION.test(before)) continue;
    sentences.push({ start: start + sentenceStart, end: start + match.index + match[0].trimEnd().length });
    sentenceStart = boundary;
  }
  if (sentenceStart < slice.length) sentences.push({ start: start + sentenceStart, end });
  return sentences.filter((sentence) => sentence.end > sentence.start);
}
