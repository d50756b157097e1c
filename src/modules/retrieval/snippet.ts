export interface Highlight {
  /** Offsets `[start, end)` into the snippet. */
  readonly start: number;
  readonly end: number;
}

export interface Snippet {
  readonly text: string;
  readonly highlights: readonly Highlight[];
}

const STOP = new Set(
  'a an and are as at be by for from has he in is it its of on or that the to was were will with what who how which'.split(
    ' ',
  ),
);

/** A crude English stem, enough to match `keels`/`keel`, `sailing`/`sail` when highlighting. */
function stem(word: string): string {
  return word.replace(/(?:ing|edly|ed|ies|es|s|ly)$/u, '') || word;
}

function queryStems(query: string): Set<string> {
  return new Set(
    (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
      .filter((word) => word.length > 1 && !STOP.has(word))
      .map(stem),
  );
}

/**
 * The passage of a chunk that best shows why it matched: the window of about `maxLength` characters
 * holding the most query words, cut at word boundaries, with those words' offsets. Pure string work, so
 * every index adapter produces the same snippets.
 */
export function buildSnippet(content: string, query: string, maxLength = 240): Snippet {
  const stems = queryStems(query);
  const matches: Array<{ start: number; end: number }> = [];
  for (const match of content.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (stems.has(stem(match[0].toLowerCase()))) {
      matches.push({ start: match.index, end: match.index + match[0].length });
    }
  }
  let windowStart = 0;
  if (content.length > maxLength && matches.length > 0) {
    let best = 0;
    let bestCount = 0;
    let right = 0;
    for (let left = 0; left < matches.length; left++) {
      const start = matches[left]?.start ?? 0;
      while (right < matches.length && (matches[right]?.end ?? 0) - start <= maxLength) right++;
      if (right - left > bestCount) {
        bestCount = right - left;
        best = start;
      }
    }
    // Give the first match a little leading context.
    windowStart = Math.max(0, Math.min(best - 40, content.length - maxLength));
  }
  let start = windowStart;
  let end = Math.min(content.length, windowStart + maxLength);
  if (start > 0) {
    const space = content.indexOf(' ', start);
    if (space !== -1 && space < start + 30) start = space + 1;
  }
  if (end < content.length) {
    const space = content.lastIndexOf(' ', end);
    if (space > start + maxLength / 2) end = space;
  }
  const prefix = start > 0 ? '… ' : '';
  const suffix = end < content.length ? ' …' : '';
  const body = content.slice(start, end).replace(/\s+/g, ' ');
  // Offsets shift where whitespace collapsed; recompute them on the snippet itself.
  const text = `${prefix}${body}${suffix}`;
  const highlights: Highlight[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (stems.has(stem(match[0].toLowerCase()))) {
      highlights.push({ start: match.index, end: match.index + match[0].length });
    }
  }
  return { text, highlights };
}
