/** Citation markers in a model's answer, checked against the sources it was given. */
export interface CitationCheck {
  /** 1-based source numbers cited that exist, in first-cited order. */
  readonly valid: number[];
  /** Cited numbers that point at no source given: removed from the answer. */
  readonly invalid: number[];
  /** The answer with invalid markers removed. */
  readonly text: string;
}

export function checkCitations(answer: string, sourceCount: number): CitationCheck {
  const valid: number[] = [];
  const invalid: number[] = [];
  const text = answer
    .replace(/\[(\d{1,3})\]/g, (marker, digits: string) => {
      const cited = Number(digits);
      if (cited >= 1 && cited <= sourceCount) {
        if (!valid.includes(cited)) valid.push(cited);
        return marker;
      }
      if (!invalid.includes(cited)) invalid.push(cited);
      return '';
    })
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\s+([.,;:])/g, '$1')
    .trim();
  return { valid, invalid, text };
}
