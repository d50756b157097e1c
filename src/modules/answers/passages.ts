import { inlineLocalEngine, type LocalEngine, splitSentences } from '../../local-engine/index.ts';
import type { SearchResult } from '../retrieval/index.ts';

/**
 * How relevant retrieved text is to a question, on the local engine's calibrated 0..1 scale (BM25 against
 * the question's reference score fused with USE-lite similarity; BM25 alone without an embedder). Search
 * ranks are relative (the best hit of an unrelated question is still rank 1); this scale is absolute, so
 * it can say "nothing here answers that".
 */
export interface RelevanceSettings {
  /** Below this, a passage is not evidence (the answer is `insufficient_context` when none reaches it). */
  readonly minimum: number;
  /**
   * The local engine that scores relevance (its embedder gives the semantic half; an engine without
   * embeddings scores lexically only: KEEL_EMBEDDINGS=off, tests). Default: inline, with USE-lite.
   */
  readonly engine?: LocalEngine | undefined;
}

/** The engine relevance is scored with. */
export function relevanceEngine(settings: RelevanceSettings): LocalEngine {
  return settings.engine ?? inlineLocalEngine();
}

/** An unrelated text scores near 0 (no shared terms, cosine below 0.25); a passage sharing the question's key terms or meaning scores above it. See docs/answers.md. */
export const DEFAULT_RELEVANCE: RelevanceSettings = Object.freeze({ minimum: 0.2 });

/** A retrieved chunk with its absolute relevance to the question. */
export interface Passage {
  readonly result: SearchResult;
  readonly relevance: number;
}

/** A sentence of a passage, scored on its own: what extractive answers quote. */
export interface Quote {
  readonly passage: Passage;
  readonly text: string;
  readonly relevance: number;
  /** Position of the sentence in its chunk, to keep quotes from one chunk in reading order. */
  readonly position: number;
}

/** Scores search results against the question; best first, only those at or above the minimum. */
export async function relevantPassages(
  question: string,
  results: readonly SearchResult[],
  settings: RelevanceSettings,
  signal: AbortSignal,
): Promise<Passage[]> {
  if (results.length === 0) return [];
  const scored = await relevanceEngine(settings).score(
    { query: question, items: results.map((result) => ({ id: result.chunkId, text: result.content })) },
    { signal },
  );
  const byId = new Map(results.map((result) => [result.chunkId, result]));
  const passages: Passage[] = [];
  for (const score of scored.scores) {
    const result = byId.get(score.id);
    if (result !== undefined && score.score >= settings.minimum) {
      passages.push({ result, relevance: score.score });
    }
  }
  return passages;
}

/** The sentences of the passages, each scored against the question; best first. */
export async function rankQuotes(
  question: string,
  passages: readonly Passage[],
  settings: RelevanceSettings,
  signal: AbortSignal,
): Promise<Quote[]> {
  const candidates: Array<{ id: string; text: string; passage: Passage; position: number }> = [];
  for (const passage of passages) {
    splitSentences(passage.result.content).forEach((text, position) => {
      // Headings and fragments are not answers.
      if (text.split(/\s+/).length >= 4) {
        candidates.push({ id: String(candidates.length), text, passage, position });
      }
    });
  }
  if (candidates.length === 0) return [];
  const scored = await relevanceEngine(settings).score(
    { query: question, items: candidates.map(({ id, text }) => ({ id, text })) },
    { signal },
  );
  const quotes = scored.scores.map((score) => {
    const candidate = candidates[Number(score.id)];
    if (candidate === undefined) throw new Error(`unknown quote ${score.id}`);
    // A sentence inherits part of its chunk's relevance: context around it counts as evidence too.
    const relevance = round(0.6 * score.score + 0.4 * candidate.passage.relevance);
    return { passage: candidate.passage, text: candidate.text, relevance, position: candidate.position };
  });
  return quotes.sort((left, right) => right.relevance - left.relevance);
}

export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
