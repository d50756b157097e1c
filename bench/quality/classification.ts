import { type Embedder, prepareClassifier } from '../../src/local-engine/index.ts';
import { mean, seededRandom, shuffled } from './metrics.ts';
import type { HeaderView, Message } from './spam-assassin.ts';

export interface ClassificationRun {
  readonly view: HeaderView;
  readonly seed: number;
  readonly accuracy: number;
  readonly spamRecall: number;
  readonly hamRecall: number;
  /** Mean squared error of the spam probability against the truth (lower is better calibrated). */
  readonly brier: number;
}

/**
 * `test`: the fixed 1,000-message pool Q2 is reported on, examples drawn from every other message.
 * `validation`: a second pool of the same size drawn from outside the test pool, examples drawn from the
 * messages in neither pool: the split the classifier's settings are chosen on, so the test pool is only
 * ever scored, never tuned on.
 */
export type ClassificationSplit = 'test' | 'validation';

/** Seed of the validation pool's draw from outside the test pool. */
const VALIDATION_POOL_SEED = 2027;

export interface ClassificationReport {
  readonly split: ClassificationSplit;
  readonly examplesPerLabel: number;
  readonly testMessages: number;
  readonly testSpamShare: number;
  readonly runs: readonly ClassificationRun[];
  readonly meanAccuracy: number;
  readonly minAccuracy: number;
  readonly readerMeanAccuracy: number;
  readonly lexicalOnlyMeanAccuracy: number;
  readonly zeroShotAccuracy: number;
  readonly seconds: number;
}

const LABELS = {
  spam: 'unsolicited bulk e-mail: advertising, offers, scams',
  ham: 'a normal e-mail: a personal message, work, a mailing-list discussion',
} as const;

/**
 * Q2: few-shot classification of SpamAssassin messages. A fixed stratified test pool is drawn once; for
 * each seed, `examples` messages per label are drawn from the rest and given as the labels' examples;
 * every test message is classified with the engine's classifier. The primary view is subject + body;
 * the reader's view (From, To, Subject + body) is measured too.
 */
export async function measureClassification(
  load: (view: HeaderView) => readonly Message[],
  embedder: Embedder,
  options: {
    examplesPerLabel: number;
    testSize: number;
    seeds: readonly number[];
    split?: ClassificationSplit;
  },
  log: (line: string) => void,
): Promise<ClassificationReport> {
  const started = performance.now();
  const split = options.split ?? 'test';
  /** The scored pool and the messages examples are drawn from, for the split. */
  const partition = (messages: readonly Message[]) => {
    const pool = shuffled(messages, seededRandom(7));
    const test = pool.slice(0, options.testSize);
    const rest = pool.slice(options.testSize);
    if (split === 'test') return { scored: test, rest };
    const outside = shuffled(rest, seededRandom(VALIDATION_POOL_SEED));
    return { scored: outside.slice(0, options.testSize), rest: outside.slice(options.testSize) };
  };

  const evaluate = async (
    view: HeaderView,
    messages: readonly Message[],
    seed: number,
    withEmbedder: Embedder | null,
    examples: number,
  ): Promise<ClassificationRun> => {
    const { scored: test, rest } = partition(messages);
    const random = seededRandom(seed);
    const draw = (label: 'spam' | 'ham') =>
      shuffled(
        rest.filter((message) => message.label === label),
        random,
      )
        .slice(0, examples)
        .map((message) => message.text);
    const classifier = await prepareClassifier(
      [
        { name: 'spam', description: LABELS.spam, examples: draw('spam') },
        { name: 'ham', description: LABELS.ham, examples: draw('ham') },
      ],
      { embedder: withEmbedder },
    );
    let correct = 0;
    let spamCorrect = 0;
    let hamCorrect = 0;
    const squaredErrors: number[] = [];
    for (const message of test) {
      const result = await classifier.classify({ text: message.text });
      const predicted = result.chosen[0];
      if (predicted === message.label) correct++;
      if (predicted === message.label && message.label === 'spam') spamCorrect++;
      if (predicted === message.label && message.label === 'ham') hamCorrect++;
      const spamProbability = result.labels.find((label) => label.name === 'spam')?.score ?? 0;
      squaredErrors.push((spamProbability - (message.label === 'spam' ? 1 : 0)) ** 2);
    }
    const spamCount = test.filter((message) => message.label === 'spam').length;
    return {
      view,
      seed,
      accuracy: correct / test.length,
      spamRecall: spamCorrect / spamCount,
      hamRecall: hamCorrect / (test.length - spamCount),
      brier: mean(squaredErrors),
    };
  };

  const runs: ClassificationRun[] = [];
  const subject = load('subject');
  const test = partition(subject).scored;
  log(`classification (${split} split): embedding ${test.length} scored messages...`);
  await embedder.embed(test.map((message) => message.text));
  for (const seed of options.seeds) {
    const run = await evaluate('subject', subject, seed, embedder, options.examplesPerLabel);
    log(`classification: subject + body, seed ${seed}: accuracy ${run.accuracy.toFixed(4)}`);
    runs.push(run);
  }
  // The reader's view is a variant of the reported figure: measured on the test split only.
  const reader = split === 'test' ? load('reader') : [];
  const readerRuns: ClassificationRun[] = [];
  for (const seed of split === 'test' ? options.seeds : []) {
    const run = await evaluate('reader', reader, seed, embedder, options.examplesPerLabel);
    log(`classification: From/To/Subject + body, seed ${seed}: accuracy ${run.accuracy.toFixed(4)}`);
    readerRuns.push(run);
  }
  const lexicalOnly: number[] = [];
  for (const seed of options.seeds)
    lexicalOnly.push((await evaluate('subject', subject, seed, null, options.examplesPerLabel)).accuracy);
  const zeroShot = await evaluate('subject', subject, options.seeds[0] ?? 1, embedder, 0);
  return {
    split,
    examplesPerLabel: options.examplesPerLabel,
    testMessages: test.length,
    testSpamShare: test.filter((message) => message.label === 'spam').length / test.length,
    runs: [...runs, ...readerRuns],
    meanAccuracy: mean(runs.map((run) => run.accuracy)),
    minAccuracy: Math.min(...runs.map((run) => run.accuracy)),
    readerMeanAccuracy: mean(readerRuns.map((run) => run.accuracy)),
    lexicalOnlyMeanAccuracy: mean(lexicalOnly),
    zeroShotAccuracy: zeroShot.accuracy,
    seconds: (performance.now() - started) / 1000,
  };
}
