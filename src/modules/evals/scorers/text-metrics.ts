/** Text and label metrics used by the built-in scorers; pure functions, tested against textbook values. */

/** Lower-cased word tokens (letters and digits, Unicode-aware), the tokenisation ROUGE uses. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Length of the longest common subsequence of two token lists (O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      current[j] =
        a[i - 1] === b[j - 1] ? (previous[j - 1] ?? 0) + 1 : Math.max(previous[j] ?? 0, current[j - 1] ?? 0);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] ?? 0;
}

export interface PrecisionRecallF {
  readonly precision: number;
  readonly recall: number;
  readonly f: number;
}

/**
 * ROUGE-L (Lin, 2004) of a candidate against a reference: LCS-based recall (LCS / reference length),
 * precision (LCS / candidate length) and F-measure with β = 1 (the harmonic mean), as `rouge-score` reports.
 */
export function rougeL(candidate: string, reference: string): PrecisionRecallF {
  const candidateWords = words(candidate);
  const referenceWords = words(reference);
  const lcs = lcsLength(candidateWords, referenceWords);
  if (lcs === 0) return { precision: 0, recall: 0, f: 0 };
  const precision = lcs / candidateWords.length;
  const recall = lcs / referenceWords.length;
  return { precision, recall, f: (2 * precision * recall) / (precision + recall) };
}

export interface LabelMetrics {
  readonly accuracy: number;
  /** Unweighted mean of per-label F1 over every label seen (expected or predicted). */
  readonly macroF1: number;
  readonly perLabel: Readonly<Record<string, PrecisionRecallF & { support: number }>>;
  /** confusion[expected][predicted] = count. */
  readonly confusion: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Accuracy, per-label precision/recall/F1 and macro-F1 from (expected, predicted) label pairs. */
export function labelMetrics(pairs: ReadonlyArray<{ expected: string; predicted: string }>): LabelMetrics {
  const confusion: Record<string, Record<string, number>> = {};
  const labels = new Set<string>();
  let correct = 0;
  for (const { expected, predicted } of pairs) {
    labels.add(expected);
    labels.add(predicted);
    const row = confusion[expected] ?? {};
    confusion[expected] = row;
    row[predicted] = (row[predicted] ?? 0) + 1;
    if (expected === predicted) correct += 1;
  }
  const perLabel: Record<string, PrecisionRecallF & { support: number }> = {};
  for (const label of [...labels].sort()) {
    const truePositive = confusion[label]?.[label] ?? 0;
    let predictedAs = 0;
    for (const row of Object.values(confusion)) predictedAs += row[label] ?? 0;
    const support = Object.values(confusion[label] ?? {}).reduce((sum, count) => sum + count, 0);
    const precision = predictedAs === 0 ? 0 : truePositive / predictedAs;
    const recall = support === 0 ? 0 : truePositive / support;
    const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perLabel[label] = { precision, recall, f, support };
  }
  const fs = Object.values(perLabel).map((metrics) => metrics.f);
  return {
    accuracy: pairs.length === 0 ? 0 : correct / pairs.length,
    macroF1: fs.length === 0 ? 0 : fs.reduce((sum, f) => sum + f, 0) / fs.length,
    perLabel,
    confusion,
  };
}

/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
