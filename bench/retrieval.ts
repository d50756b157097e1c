/**
 * Q1 + P5 + P7 for retrieval, in one process on embedded PGlite (pgvector), as `keel serve` runs it:
 *   quality    per collection (DBpedia-Entity, 5,000 abstracts, 40 judged queries; keel-adrs,
 *              reuters-topics and the held-out npm-readmes and man-pages, see support/retrieval/collections.ts): nDCG@10 and recall@10 of
 *              Keel's lexical, vector and hybrid search against a plain BM25 computed here, a sweep of
 *              RRF settings, and each query's candidate lists stored in bench/results/;
 *   fusion     from those stored lists: lexical, vector, equal-weight and agreement-weighted fusion per
 *              collection, on DBpedia decision 0147's grid, and across all the collections given the
 *              grid the default is chosen from, with leave-one-collection-out (decision 0171);
 *   latency    top-10 search p50/p99 at each size (10k and 100k chunks by default) over synthetic chunks built
 *              from the corpus' text and real USE-lite vectors with noise, and the query-embedding cost;
 *   ingestion  MB/s of plain text through parse, chunk, index (embedder off), and with the local embedder on.
 * Figures are printed as tables and written to bench/results/retrieval.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embedMany } from 'ai';
import { sql } from 'kysely';
import { createLocalEmbeddingModel, LocalEmbedder } from '../src/local-engine/index.ts';
import { MEDIA_TYPES, normaliseDocument, parseDocument } from '../src/modules/documents/index.ts';
import {
  type AgreementFusionSettings,
  DEFAULT_AGREEMENT_FUSION,
  embeddingText,
  type IndexHit,
  SearchService,
  SqlChunkIndex,
  type TextEmbedder,
} from '../src/modules/retrieval/index.ts';
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
import {
  COLLECTIONS,
  type CollectionName,
  HELD_OUT,
  loadCollection,
} from './support/retrieval/collections.ts';
import {
  type Dataset,
  loadDataset,
  ndcgAt,
  PlainBm25,
  percentile,
  recallAt,
} from './support/retrieval/dataset.ts';
import { EmbeddingCache } from './support/retrieval/embedding-cache.ts';
import {
  agreementRule,
  CANDIDATE_DEPTH,
  type CollectionLists,
  crossCollectionGrid,
  evaluate,
  fusionGrid,
  loadLists,
  RULES,
  type StoredQueryLists,
  selectAcross,
} from './support/retrieval/fusion-offline.ts';
import { type KeelRetrieval, log, openKeelRetrieval, since, TENANT } from './support/retrieval/keel-index.ts';
import { CollectionUnavailableError } from './support/retrieval/man-pages.ts';
import { pairedRatioInterval } from './support/stats.ts';
import { formatTable } from './support/table.ts';

export const description =
  'Q1/P5: nDCG@10 + recall@10 on DBpedia-Entity, keel-adrs, reuters-topics and the held-out npm-readmes and man-pages (lexical, vector, hybrid vs plain BM25), search p50/p99 at 10k/100k chunks, ingestion MB/s';

export const optionsHelp = {
  phases:
    'comma-separated subset of quality, fusion, latency, ingestion (default: all; fusion reads the lists quality wrote)',
  collections: `quality phase: comma-separated subset of ${COLLECTIONS.join(', ')} (default: all; fusion is chosen across the collections given, decision 0171, except the held-out ${[...HELD_OUT].join(', ')}, decisions 0197 and 0209; man-pages needs Debian's manpages and manpages-dev and is skipped without them)`,
  sizes: 'chunk counts for the latency phase (default 10000,100000)',
  rounds: 'passes over the 40 queries per mode and size (default 5)',
  'ingest-mb': 'MB of plain text ingested with the embedder off (default 4)',
  'ingest-embedded-kb': 'KB of plain text ingested with the local embedder on (default 256)',
  'no-cache': 'embed the corpus afresh instead of reusing bench/results/retrieval-embeddings.json',
};

const PHASES = ['quality', 'fusion', 'latency', 'ingestion'] as const;
type Phase = (typeof PHASES)[number];
const EMBEDDING_MODEL = 'local:use-lite-512';
const DIMENSIONS = 512;

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const phases = listOption<Phase>(options, 'phases', PHASES, PHASES);
  const sizes = numberListOption(options, 'sizes', [10_000, 100_000], {
    min: 100,
    max: 1_000_000,
    integer: true,
  });
  const rounds = numberOption(options, 'rounds', 5, { min: 1, max: 100, integer: true });
  const ingestMb = numberOption(options, 'ingest-mb', 4, { min: 0.1, max: 200 });
  const embeddedKb = numberOption(options, 'ingest-embedded-kb', 256, { min: 16, max: 100_000 });
  const collections = listOption<CollectionName>(options, 'collections', COLLECTIONS, COLLECTIONS);
  // DBpedia is read when a phase needs it: a run of other collections alone does not need it on disk.
  let dbpedia: Promise<Dataset> | undefined;
  const dataset = () => {
    dbpedia ??= loadDataset();
    return dbpedia;
  };
  // The quality phase writes its candidate lists and the embedding cache there: a fresh checkout has no folder.
  await mkdir(RESULTS_DIR, { recursive: true });
  const cache = new EmbeddingCache(path.join(RESULTS_DIR, 'retrieval-embeddings.json'));
  if (!booleanOption(options, 'no-cache')) await cache.load();
  const results: Record<string, unknown> = { machine: machineInfo(), startedAt: new Date().toISOString() };

  try {
    if (phases.includes('quality')) {
      const quality_: Record<string, unknown> = {};
      for (const name of collections) {
        // The corpus goes through Keel's own ingestion with the local embedder.
        const collection = name === 'dbpedia' ? await dataset() : await availableCollection(name);
        if (collection === undefined) continue;
        const corpus = await ingestCorpus(collection, cache, name);
        try {
          quality_[name] = await quality(collection, corpus, cache, name);
        } finally {
          await corpus.keel.close();
          await cache.save();
        }
      }
      results.quality = quality_;
    }
    if (phases.includes('fusion')) results.fusion = await fusionPhase(collections);
    if (phases.includes('latency')) {
      const corpus = await dataset();
      results.latency = await latency(corpus, await corpusVectors(corpus, cache), cache, sizes, rounds);
    }
  } finally {
    await cache.save();
  }
  if (phases.includes('ingestion'))
    results.ingestion = await ingestion(await dataset(), ingestMb, embeddedKb);
  const file = await writeResults('retrieval', results);
  process.stdout.write(`\nwrote ${file}\n`);
}

interface IngestedCorpus {
  readonly keel: KeelRetrieval;
  readonly collectionId: string;
  /** Chunk id -> DBpedia id. */
  readonly documentOf: ReadonlyMap<string, string>;
  /** DBpedia id -> its first chunk's vector. */
  readonly vectors: ReadonlyMap<string, number[]>;
}

async function ingestCorpus(
  dataset: Dataset,
  cache: EmbeddingCache,
  name: CollectionName,
): Promise<IngestedCorpus> {
  const keel = await openKeelRetrieval({
    embeddingModel: cache.wrap(createLocalEmbeddingModel()),
    onDisk: true,
  });
  const { service, runner } = keel.documents;
  const { collection } = await service.createCollection(TENANT, { name });
  const started = performance.now();
  log(
    `${name}: ingesting ${dataset.corpus.length} documents (USE-lite vectors come from the cache when present)`,
  );
  for (const document of dataset.corpus) {
    await service.addDocument(TENANT, collection.id, {
      bytes: Buffer.from(document.text),
      declaredType: dataset.mediaType ?? 'text/plain',
      title: document.title,
      metadata: { dbpedia: document.id },
    });
  }
  await runner.idle();
  log(
    `corpus ingested in ${(since(started) / 1000).toFixed(1)} s (embedding cache: ${cache.hits} hits, ${cache.misses} computed)`,
  );
  const { rows } = await sql<{ id: string; dbpedia: string; ordinal: number; embedding: string }>`
    select c.id, c.metadata->>'dbpedia' as dbpedia, c.ordinal, v.embedding::text as embedding
    from retrieval_chunk c join retrieval_chunk_vector v on v.chunk_id = c.id
    where c.collection_id = ${collection.id}`.execute(keel.database.db);
  const documentOf = new Map(rows.map((row) => [row.id, row.dbpedia]));
  const vectors = new Map<string, number[]>();
  for (const row of rows)
    if (row.ordinal === 0) vectors.set(row.dbpedia, JSON.parse(row.embedding) as number[]);
  return { keel, collectionId: collection.id, documentOf, vectors };
}

/** A query embedder that answers from vectors computed beforehand, so latency covers the index alone. */
function precomputed(vectors: ReadonlyMap<string, number[]>): TextEmbedder {
  return {
    modelId: EMBEDDING_MODEL,
    batchSize: 32,
    embed: async (values) => values.map((value) => vectors.get(value) ?? []),
  };
}

async function embedQueries(dataset: Dataset, cache: EmbeddingCache): Promise<Map<string, number[]>> {
  const { embeddings } = await embedMany({
    model: cache.wrap(createLocalEmbeddingModel()),
    values: dataset.queries.map((query) => query.text),
  });
  return new Map(dataset.queries.map((query, index) => [query.text, embeddings[index] ?? []]));
}

/** Chunk hits to DBpedia ids, each document once, best first. */
function rankedDocuments(
  hits: readonly { chunkId: string }[],
  documentOf: ReadonlyMap<string, string>,
): string[] {
  return [...new Set(hits.map((hit) => documentOf.get(hit.chunkId) ?? hit.chunkId))];
}

async function quality(
  dataset: Dataset,
  corpus: IngestedCorpus,
  cache: EmbeddingCache,
  name: CollectionName,
) {
  const queryVectors = await embedQueries(dataset, cache);
  const search = new SearchService({ index: corpus.keel.index, embedder: precomputed(queryVectors) });
  const bm25 = new PlainBm25(dataset.corpus);
  const runs: Record<string, (query: string) => Promise<string[]>> = {
    'plain BM25 (baseline, this script)': async (query) => bm25.rank(query, 10),
  };
  for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
    runs[`keel ${mode}`] = async (query) => {
      const response = await search.search({
        tenantId: TENANT,
        collectionIds: [corpus.collectionId],
        query,
        k: 30,
        mode,
      });
      return rankedDocuments(response.results, corpus.documentOf);
    };
  }
  const scores: Record<string, { ndcg10: number; recall10: number }> = {};
  for (const [name, rank] of Object.entries(runs)) {
    let ndcg = 0;
    let recall = 0;
    for (const query of dataset.queries) {
      const ranked = await rank(query.text);
      ndcg += ndcgAt(ranked, query.judgements);
      recall += recallAt(ranked, query.judgements);
    }
    scores[name] = {
      ndcg10: round(ndcg / dataset.queries.length),
      recall10: round(recall / dataset.queries.length),
    };
  }
  const baseline = scores['plain BM25 (baseline, this script)']?.ndcg10 ?? 1;
  process.stdout.write(
    `\nQuality: ${name} (${roleOf(name)}), ${dataset.corpus.length} documents, ${dataset.queries.length} judged queries\n${formatTable(
      [
        { header: 'run' },
        { header: 'nDCG@10', align: 'right' },
        { header: 'recall@10', align: 'right' },
        { header: 'vs BM25', align: 'right' },
      ],
      Object.entries(scores).map(([name, score]) => [
        name,
        score.ndcg10.toFixed(3),
        score.recall10.toFixed(3),
        `${(score.ndcg10 / baseline).toFixed(2)}x`,
      ]),
    )}\n`,
  );
  const fusion = await fusionSweep(dataset, corpus, queryVectors, name);
  return {
    documents: dataset.corpus.length,
    queries: dataset.queries.length,
    ...('stats' in dataset ? { collection: dataset.stats } : {}),
    scores,
    hybridOverBm25: round((scores['keel hybrid']?.ndcg10 ?? 0) / baseline),
    hybridOverOwnLexical: round((scores['keel hybrid']?.ndcg10 ?? 0) / (scores['keel lexical']?.ndcg10 ?? 1)),
    fusion,
    ...(name === 'dbpedia' ? { queryEmbedding: await queryEmbeddingCost(dataset) } : {}),
  };
}

/** Reciprocal-rank fusion variants over the same two candidate lists, to justify the default. */
async function fusionSweep(
  dataset: Dataset,
  corpus: IngestedCorpus,
  queryVectors: ReadonlyMap<string, number[]>,
  name: CollectionName,
) {
  const lists: Array<{ lexical: IndexHit[]; vector: IndexHit[]; query: Dataset['queries'][number] }> = [];
  for (const query of dataset.queries) {
    const scope = { tenantId: TENANT, collectionIds: [corpus.collectionId], limit: 100 };
    lists.push({
      query,
      lexical: await corpus.keel.index.searchLexical(scope, query.text),
      vector: await corpus.keel.index.searchVector(scope, queryVectors.get(query.text) ?? []),
    });
  }
  // The candidate lists, so fusion rules can be compared offline without re-ingesting.
  await writeFile(
    path.join(RESULTS_DIR, `retrieval-lists-${name}.json`),
    JSON.stringify(
      lists.map(({ query, lexical, vector }) => ({
        query: query.text,
        judgements: Object.fromEntries(query.judgements),
        lexical: lexical.map((hit) => [hit.chunkId, corpus.documentOf.get(hit.chunkId), hit.score]),
        vector: vector.map((hit) => [hit.chunkId, corpus.documentOf.get(hit.chunkId), hit.score]),
      })),
    ),
  );
  const rows: Array<{ k: number; depth: number; vectorWeight: number; ndcg10: number; recall10: number }> =
    [];
  for (const k of [10, 30, 60, 100]) {
    for (const depth of [20, 50, 100]) {
      for (const vectorWeight of [0.5, 1]) {
        let ndcg = 0;
        let recall = 0;
        for (const { query, lexical, vector } of lists) {
          const fused = new Map<string, number>();
          for (const [index, hit] of lexical.slice(0, depth).entries()) {
            fused.set(hit.chunkId, (fused.get(hit.chunkId) ?? 0) + 1 / (k + index + 1));
          }
          for (const [index, hit] of vector.slice(0, depth).entries()) {
            fused.set(hit.chunkId, (fused.get(hit.chunkId) ?? 0) + vectorWeight / (k + index + 1));
          }
          const ranked = rankedDocuments(
            [...fused].sort((a, b) => b[1] - a[1]).map(([chunkId]) => ({ chunkId })),
            corpus.documentOf,
          );
          ndcg += ndcgAt(ranked, query.judgements);
          recall += recallAt(ranked, query.judgements);
        }
        rows.push({
          k,
          depth,
          vectorWeight,
          ndcg10: round(ndcg / lists.length),
          recall10: round(recall / lists.length),
        });
      }
    }
  }
  const best = [...rows].sort((a, b) => b.ndcg10 - a.ndcg10).slice(0, 5);
  const chosen = rows.find((row) => row.k === 60 && row.depth === 50 && row.vectorWeight === 1);
  process.stdout.write(
    `\nFusion sweep (RRF k, candidates per side, vector weight); Keel's default is k=60, depth 50, weight 1 (${chosen?.ndcg10.toFixed(3)})\n${formatTable(
      [
        { header: 'k', align: 'right' },
        { header: 'depth', align: 'right' },
        { header: 'vector weight', align: 'right' },
        { header: 'nDCG@10', align: 'right' },
        { header: 'recall@10', align: 'right' },
      ],
      best.map((row) => [
        String(row.k),
        String(row.depth),
        String(row.vectorWeight),
        row.ndcg10.toFixed(3),
        row.recall10.toFixed(3),
      ]),
    )}\n`,
  );
  return {
    rows,
    default: chosen,
    spread: round((best[0]?.ndcg10 ?? 0) - (rows.at(-1) ? Math.min(...rows.map((row) => row.ndcg10)) : 0)),
  };
}

/**
 * Per collection: plain BM25, Keel's lexical and vector sides, the old equal-weight RRF and the
 * agreement-weighted default, from the stored candidate lists; on DBpedia (the tuning collection) also
 * the settings grid the default was chosen from.
 */
async function fusionPhase(collections: readonly CollectionName[]) {
  const report: Record<string, unknown> = {};
  const rows: string[][] = [];
  const loaded: CollectionLists[] = [];
  for (const name of collections) {
    const dataset = await availableCollection(name);
    if (dataset === undefined) continue;
    let lists: StoredQueryLists[];
    try {
      lists = await loadLists(name);
    } catch {
      log(`${name}: no stored lists (run the quality phase first); skipped`);
      continue;
    }
    const bm25 = new PlainBm25(dataset.corpus);
    const bm25PerQuery = dataset.queries.map((query) => ndcgAt(bm25.rank(query.text, 10), query.judgements));
    const baseline = bm25PerQuery.reduce((sum, score) => sum + score, 0) / dataset.queries.length;
    const figures: Record<string, { ndcg10: number; recall10: number }> = {};
    const perQuery: Record<string, number[]> = {};
    for (const [rule, rank] of Object.entries(RULES)) {
      const result = evaluate(lists, rank);
      figures[rule] = { ndcg10: round(result.ndcg10), recall10: round(result.recall10) };
      perQuery[rule] = result.perQuery;
    }
    // A held-out collection is scored, never chosen on (decision 0197).
    if (!HELD_OUT.has(name))
      loaded.push({ name, lists, plainBm25: baseline, lexical: figures.lexical?.ndcg10 ?? 0 });
    const lexical = perQuery.lexical ?? [];
    const hybrid = perQuery['agreement-weighted RRF (default)'] ?? [];
    const belowLexical = hybrid.filter((score, index) => score < (lexical[index] ?? 0) - 1e-9).length;
    // Paired bootstrap over queries (the lists are stored in the collection's query order).
    const paired =
      lists.length === bm25PerQuery.length &&
      lists.every((entry, index) => entry.query === dataset.queries[index]?.text);
    const intervals = paired
      ? {
          resamples: 2_000,
          hybridOverPlainBm25: pairedRatioInterval(hybrid, bm25PerQuery),
          hybridOverLexical: pairedRatioInterval(hybrid, lexical),
        }
      : undefined;
    const entry: Record<string, unknown> = {
      role: HELD_OUT.has(name) ? 'held out' : 'chosen on',
      documents: dataset.corpus.length,
      queries: lists.length,
      plainBm25: round(baseline),
      figures,
      queriesBelowLexical: belowLexical,
      ...(intervals ? { intervals95: intervals } : {}),
    };
    if (name === 'dbpedia') {
      const grid = fusionGrid().map((settings) => ({
        ...settings,
        ndcg10: round(evaluate(lists, agreementRule(settings)).ndcg10),
      }));
      grid.sort((left, right) => right.ndcg10 - left.ndcg10);
      entry.grid = grid;
      process.stdout.write(
        `\nAgreement-weighted fusion grid on DBpedia (tuning collection), best 8 of ${grid.length}\n${formatTable(
          [
            { header: 'k', align: 'right' },
            { header: 'depth', align: 'right' },
            { header: 'floor', align: 'right' },
            { header: 'ceiling', align: 'right' },
            { header: 'nDCG@10', align: 'right' },
          ],
          grid
            .slice(0, 8)
            .map((row) => [
              String(row.k),
              String(row.depth),
              String(row.floor),
              String(row.ceiling),
              row.ndcg10.toFixed(3),
            ]),
        )}\n`,
      );
    }
    report[name] = entry;
    for (const [rule, figure] of Object.entries(figures))
      rows.push([
        `${name} (${entry.role})`,
        rule,
        figure.ndcg10.toFixed(3),
        `${(figure.ndcg10 / baseline).toFixed(2)}x`,
        `${(figure.ndcg10 / (figures.lexical?.ndcg10 ?? 1)).toFixed(2)}x`,
      ]);
    rows.push([
      `${name} (${entry.role})`,
      `queries where the default is below lexical: ${belowLexical}/${lists.length}`,
      '',
      '',
      '',
    ]);
    if (intervals)
      rows.push([
        `${name} (${entry.role})`,
        'default, 95 % paired bootstrap over queries (2,000 resamples)',
        '',
        `${intervals.hybridOverPlainBm25.low.toFixed(3)}-${intervals.hybridOverPlainBm25.high.toFixed(3)}x`,
        `${intervals.hybridOverLexical.low.toFixed(3)}-${intervals.hybridOverLexical.high.toFixed(3)}x`,
      ]);
  }
  if (loaded.length >= 2) report.acrossCollections = crossCollectionSelection(loaded);
  process.stdout.write(
    `\nFusion per collection (nDCG@10 from Keel's stored candidate lists, ${CANDIDATE_DEPTH} a side)\n${formatTable(
      [
        { header: 'collection' },
        { header: 'rule' },
        { header: 'nDCG@10', align: 'right' },
        { header: 'vs plain BM25', align: 'right' },
        { header: 'vs own lexical', align: 'right' },
      ],
      rows,
    )}\n`,
  );
  return report;
}

/** A collection, or undefined (with the reason and how to get it) when its source is not on this machine. */
async function availableCollection(name: CollectionName): Promise<Dataset | undefined> {
  try {
    const collection = await loadCollection(name);
    if ('stats' in collection) log(`${name}: ${JSON.stringify(collection.stats)}`);
    return collection;
  } catch (error) {
    if (!(error instanceof CollectionUnavailableError)) throw error;
    log(`${name}: skipped. ${error.message}`);
    return undefined;
  }
}

function roleOf(name: CollectionName): string {
  return HELD_OUT.has(name)
    ? `held out: no setting chosen on it, decision ${name === 'man-pages' ? '0209' : '0197'}`
    : 'one of the collections fusion and BM25 are chosen on, decisions 0171 and 0189';
}

function describeSettings(settings: AgreementFusionSettings): string {
  return `${settings.measure ?? 'overlap'} k=${settings.k} depth=${settings.depth} floor=${settings.floor} ceiling=${settings.ceiling} max=${settings.maxWeight ?? 1}`;
}

/**
 * Decision 0171: fusion settings chosen on all the collections at once, by the worst ratio to the own
 * lexical side; and, to say how well that choice generalises, chosen on all but one collection and
 * scored on the one left out.
 */
function crossCollectionSelection(collections: readonly CollectionLists[]) {
  const grid = crossCollectionGrid();
  const ranked = selectAcross(grid, collections);
  const names = collections.map((collection) => collection.name);
  process.stdout.write(
    `\nFusion chosen across ${names.join(', ')} (${grid.length} settings; never below the own lexical side, then the best mean ratio to plain BM25), best 8\n${formatTable(
      [
        { header: 'settings' },
        ...names.map((name) => ({ header: name, align: 'right' as const })),
        { header: 'worst vs lexical', align: 'right' },
        { header: 'mean vs BM25', align: 'right' },
      ],
      ranked
        .slice(0, 8)
        .map((entry) => [
          describeSettings(entry.settings),
          ...entry.score.ndcg10.map((score) => score.toFixed(3)),
          `${entry.score.worstVsLexical.toFixed(3)}x`,
          `${entry.score.meanVsBm25.toFixed(3)}x`,
        ]),
    )}\n`,
  );
  const leaveOneOut = collections.map((left) => {
    const others = collections.filter((collection) => collection !== left);
    const chosen = selectAcross(grid, others)[0];
    const settings = chosen?.settings ?? DEFAULT_AGREEMENT_FUSION;
    const ndcg10 = evaluate(left.lists, agreementRule(settings)).ndcg10;
    return {
      collection: left.name,
      chosenOn: others.map((collection) => collection.name),
      settings,
      ndcg10: round(ndcg10),
      vsLexical: round(ndcg10 / left.lexical),
      vsPlainBm25: round(ndcg10 / left.plainBm25),
    };
  });
  process.stdout.write(
    `\nLeave one collection out (settings chosen on the others, scored on it)\n${formatTable(
      [
        { header: 'scored on' },
        { header: 'settings chosen on the others' },
        { header: 'nDCG@10', align: 'right' },
        { header: 'vs own lexical', align: 'right' },
        { header: 'vs plain BM25', align: 'right' },
      ],
      leaveOneOut.map((row) => [
        row.collection,
        describeSettings(row.settings),
        row.ndcg10.toFixed(3),
        `${row.vsLexical.toFixed(3)}x`,
        `${row.vsPlainBm25.toFixed(3)}x`,
      ]),
    )}\n`,
  );
  return {
    best: ranked.slice(0, 20).map((entry) => ({ settings: entry.settings, ...entry.score })),
    leaveOneOut,
  };
}

/** What embedding one query costs with USE-lite and no cache (the hybrid and vector modes pay it). */
async function queryEmbeddingCost(dataset: Dataset) {
  const model = createLocalEmbeddingModel({ embedder: new LocalEmbedder({ cacheSize: 0 }) });
  await embedMany({ model, values: ['warm up the encoder'] });
  const timings: number[] = [];
  for (const query of dataset.queries) {
    const started = performance.now();
    await embedMany({ model, values: [query.text] });
    timings.push(since(started));
  }
  return { p50Ms: percentile(timings, 50), p99Ms: percentile(timings, 99) };
}

/**
 * USE-lite vectors of the abstracts, as ingestion embedded them (title, blank line, normalised text),
 * computed through the cache: the synthetic chunks of the latency phase reuse them.
 */
async function corpusVectors(dataset: Dataset, cache: EmbeddingCache): Promise<Map<string, number[]>> {
  const model = cache.wrap(createLocalEmbeddingModel());
  const texts = await Promise.all(
    dataset.corpus.map(async (document) => {
      const parsed = await parseDocument(Buffer.from(document.text), MEDIA_TYPES.text);
      return embeddingText(document.title, [], normaliseDocument(parsed).text);
    }),
  );
  const vectors = new Map<string, number[]>();
  for (let start = 0; start < texts.length; start += 256) {
    const { embeddings } = await embedMany({ model, values: texts.slice(start, start + 256) });
    embeddings.forEach((embedding, offset) => {
      vectors.set(dataset.corpus[start + offset]?.id ?? '', embedding);
    });
  }
  log(`corpus vectors ready (cache: ${cache.hits} hits, ${cache.misses} computed)`);
  return vectors;
}

async function latency(
  dataset: Dataset,
  corpus: ReadonlyMap<string, number[]>,
  cache: EmbeddingCache,
  sizes: readonly number[],
  rounds: number,
) {
  const queryVectors = await embedQueries(dataset, cache);
  const sources = dataset.corpus.filter((document) => corpus.has(document.id));
  const figures: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const keel = await openKeelRetrieval({ embeddingModel: null, onDisk: true });
    try {
      figures.push(await latencyAt(size, keel, sources, corpus, dataset, queryVectors, rounds));
    } finally {
      await keel.close();
    }
  }
  process.stdout.write(
    `\nSearch latency, top-10, one client, embedded PGlite (query embedding excluded: see below)\n${formatTable(
      [
        { header: 'chunks', align: 'right' },
        { header: 'mode', align: 'left' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'mean ms', align: 'right' },
        { header: 'CPU ms/query', align: 'right' },
      ],
      figures.flatMap((figure) =>
        (
          figure.modes as Array<{
            mode: string;
            p50Ms: number;
            p99Ms: number;
            meanMs: number;
            cpuMsPerQuery: number;
          }>
        ).map((entry) => [
          String(figure.chunks),
          entry.mode,
          entry.p50Ms.toFixed(2),
          entry.p99Ms.toFixed(2),
          entry.meanMs.toFixed(2),
          entry.cpuMsPerQuery.toFixed(2),
        ]),
      ),
    )}\n`,
  );
  process.stdout.write(
    `\nLexical candidate budget: latency and overlap of the top 10 with exact BM25\n${formatTable(
      [
        { header: 'chunks', align: 'right' },
        { header: 'budget', align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'overlap@10', align: 'right' },
      ],
      figures.flatMap((figure) =>
        (
          figure.budgets as Array<{
            budget: number | string;
            p50Ms: number;
            p99Ms: number;
            overlapAt10: number;
          }>
        ).map((entry) => [
          String(figure.chunks),
          String(entry.budget),
          entry.p50Ms.toFixed(2),
          entry.p99Ms.toFixed(2),
          entry.overlapAt10.toFixed(3),
        ]),
      ),
    )}\n`,
  );
  return figures;
}

let seed = 42;
function random(): number {
  seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
  return seed / 2 ** 32;
}
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

async function latencyAt(
  size: number,
  keel: KeelRetrieval,
  sources: Dataset['corpus'],
  corpus: ReadonlyMap<string, number[]>,
  dataset: Dataset,
  queryVectors: ReadonlyMap<string, number[]>,
  rounds: number,
) {
  const { index } = keel;
  const collectionId = `col_bench_${size}`;
  await index.ensureCollection(TENANT, collectionId, EMBEDDING_MODEL);
  const perDocument = 100;
  const started = performance.now();
  let bytes = 0;
  for (let first = 0; first < size; first += perDocument) {
    const documentId = `doc_${first}`;
    const count = Math.min(perDocument, size - first);
    const picks = Array.from(
      { length: count },
      () => sources[Math.floor(random() * sources.length)] ?? sources[0],
    );
    const chunks = picks.map((source, offset) => {
      const extra =
        sources[Math.floor(random() * sources.length)]?.text.split('. ').slice(0, 2).join('. ') ?? '';
      const content = `${source?.text ?? ''} ${extra}`;
      bytes += content.length;
      return {
        id: `chk_${size}_${first + offset}`,
        content,
        tokenCount: Math.ceil(content.length / 4),
        position: {
          ordinal: offset,
          start: 0,
          end: content.length,
          pageStart: null,
          pageEnd: null,
          headingPath: [],
        },
        source,
      };
    });
    // Each chunk belongs to the document it came from, as far as its title goes.
    await index.replaceDocumentChunks(
      {
        tenantId: TENANT,
        collectionId,
        documentId,
        title: picks[0]?.title ?? '',
        metadata: { group: first % 1_000 },
      },
      chunks.map(({ source: _source, ...chunk }) => chunk),
    );
    await index.storeEmbeddings(
      TENANT,
      collectionId,
      EMBEDDING_MODEL,
      chunks.map((chunk) => ({
        chunkId: chunk.id,
        embedding: noisy(corpus.get(chunk.source?.id ?? '') ?? []),
      })),
    );
    if (first === 0) {
      // Bulk load: vectors go in without their HNSW index, which is built once at the end (much faster
      // than growing the graph row by row; a live collection grows it row by row).
      await sql`drop index if exists ${sql.ref(`retrieval_chunk_vector_hnsw_${DIMENSIONS}`)}`.execute(
        keel.database.db,
      );
    }
    if ((first / perDocument) % 100 === 0)
      log(`size ${size}: ${first} chunks loaded (${(since(started) / 1000).toFixed(0)} s)`);
  }
  const loadSeconds = since(started) / 1000;
  const indexStarted = performance.now();
  await sql`set maintenance_work_mem = '512MB'`.execute(keel.database.db);
  await sql`create index ${sql.ref(`retrieval_chunk_vector_hnsw_${DIMENSIONS}`)} on retrieval_chunk_vector
    using hnsw ((embedding::vector(${sql.lit(DIMENSIONS)})) vector_cosine_ops) where dimensions = ${sql.lit(DIMENSIONS)}`.execute(
    keel.database.db,
  );
  const indexSeconds = since(indexStarted) / 1000;
  log(
    `size ${size}: loaded in ${loadSeconds.toFixed(1)} s, HNSW built in ${indexSeconds.toFixed(1)} s; measuring`,
  );
  await sql`analyze`.execute(keel.database.db);
  const search = new SearchService({ index, embedder: precomputed(queryVectors) });
  const queries = dataset.queries.map((query) => query.text);
  const measure = async (mode: 'lexical' | 'vector' | 'hybrid', service = search) => {
    for (const query of queries.slice(0, 10))
      await service.search({ tenantId: TENANT, collectionIds: [collectionId], query, k: 10, mode });
    const timings: number[] = [];
    const cpu = process.cpuUsage();
    for (let round = 0; round < rounds; round++) {
      for (const query of queries) {
        const begin = performance.now();
        await service.search({ tenantId: TENANT, collectionIds: [collectionId], query, k: 10, mode });
        timings.push(since(begin));
      }
    }
    const used = process.cpuUsage(cpu);
    return {
      mode,
      p50Ms: percentile(timings, 50),
      p99Ms: percentile(timings, 99),
      meanMs: round2(timings.reduce((a, b) => a + b, 0) / timings.length),
      // CPU time of this process (PGlite runs in it) per query: steadier than wall time on a busy machine.
      cpuMsPerQuery: round2((used.user + used.system) / 1000 / timings.length),
    };
  };
  const modes: Array<{ mode: string; p50Ms: number; p99Ms: number; meanMs: number; cpuMsPerQuery: number }> =
    [await measure('lexical'), await measure('vector'), await measure('hybrid')];
  // The candidate budget against exact BM25 (every chunk holding any query word scored): cost and effect.
  const exactIndex = new SqlChunkIndex(keel.database.db, {
    vectorSupported: true,
    candidateBudget: Number.POSITIVE_INFINITY,
  });
  const exactTop = new Map<string, string[]>();
  for (const query of queries) {
    const scope = { tenantId: TENANT, collectionIds: [collectionId], limit: 10 };
    exactTop.set(
      query,
      (await exactIndex.searchLexical(scope, query)).map((hit) => hit.chunkId),
    );
  }
  const budgets = [];
  for (const budget of [500, 1_000, 2_000, 4_000, Number.POSITIVE_INFINITY]) {
    const budgeted = new SqlChunkIndex(keel.database.db, { vectorSupported: true, candidateBudget: budget });
    const timing = await measure('lexical', new SearchService({ index: budgeted }));
    let overlap = 0;
    for (const query of queries) {
      const scope = { tenantId: TENANT, collectionIds: [collectionId], limit: 10 };
      const found = new Set((await budgeted.searchLexical(scope, query)).map((hit) => hit.chunkId));
      const full = exactTop.get(query) ?? [];
      overlap += full.length === 0 ? 1 : full.filter((id) => found.has(id)).length / full.length;
    }
    budgets.push({
      budget: Number.isFinite(budget) ? budget : 'exact',
      p50Ms: timing.p50Ms,
      p99Ms: timing.p99Ms,
      cpuMsPerQuery: timing.cpuMsPerQuery,
      overlapAt10: round(overlap / queries.length),
    });
  }
  return {
    chunks: size,
    load: {
      seconds: round2(loadSeconds),
      chunksPerSecond: Math.round(size / loadSeconds),
      mbPerSecond: round2(bytes / 1e6 / loadSeconds),
      hnswBuildSeconds: round2(indexSeconds),
    },
    modes,
    budgets,
  };
}

function noisy(vector: readonly number[]): number[] {
  const out = vector.map((value) => value + gaussian() * 0.02);
  const norm = Math.hypot(...out) || 1;
  return out.map((value) => value / norm);
}

async function ingestion(dataset: Dataset, megabytes: number, embeddedKilobytes: number) {
  const documents = (limitBytes: number) => {
    const result: string[] = [];
    let current: string[] = [];
    let size = 0;
    let total = 0;
    for (const abstract of dataset.corpus) {
      const paragraph = `${abstract.title}\n\n${abstract.text}`;
      current.push(paragraph);
      size += Buffer.byteLength(paragraph) + 2;
      if (size >= 16_384) {
        result.push(current.join('\n\n'));
        total += size;
        current = [];
        size = 0;
        if (total >= limitBytes) return result;
      }
    }
    if (current.length > 0) result.push(current.join('\n\n'));
    // Past the corpus: the same text again, made distinct so dedup does not skip it.
    while (total < limitBytes) {
      const copy = result[result.length % Math.max(1, result.length)] ?? '';
      const distinct = `Copy ${result.length}.\n\n${copy}`;
      result.push(distinct);
      total += Buffer.byteLength(distinct);
    }
    return result;
  };
  const measure = async (
    texts: readonly string[],
    embeddingModel: Parameters<typeof openKeelRetrieval>[0]['embeddingModel'],
  ) => {
    const keel = await openKeelRetrieval({ embeddingModel });
    try {
      const { service, runner } = keel.documents;
      const { collection } = await service.createCollection(TENANT, { name: 'ingestion' });
      if (embeddingModel)
        await embedMany({ model: embeddingModel, values: ['load the encoder before timing'] });
      const started = performance.now();
      const cpu = process.cpuUsage();
      let bytes = 0;
      for (const text of texts) {
        const buffer = Buffer.from(text);
        bytes += buffer.byteLength;
        await service.addDocument(TENANT, collection.id, { bytes: buffer, declaredType: 'text/plain' });
      }
      await runner.idle();
      const seconds = since(started) / 1000;
      const used = process.cpuUsage(cpu);
      // Ingestion is one thread (JavaScript and PGlite's WASM alike): MB per CPU-second is MB/s per core.
      const cpuSeconds = (used.user + used.system) / 1e6;
      const chunks = (await keel.index.getCollections(TENANT, [collection.id]))[0]?.chunkCount ?? 0;
      return {
        documents: texts.length,
        megabytes: round2(bytes / 1e6),
        seconds: round2(seconds),
        mbPerSecond: round2(bytes / 1e6 / seconds),
        cpuSeconds: round2(cpuSeconds),
        mbPerCpuSecond: round2(bytes / 1e6 / cpuSeconds),
        chunks,
        chunksPerSecond: Math.round(chunks / seconds),
      };
    } finally {
      await keel.close();
    }
  };
  log(`ingesting ${megabytes} MB of plain text, embedder off`);
  const off = await measure(documents(megabytes * 1e6), null);
  log(`ingesting ${embeddedKilobytes} KB of plain text, local embedder on (no cache)`);
  const on = await measure(
    documents(embeddedKilobytes * 1e3),
    createLocalEmbeddingModel({ embedder: new LocalEmbedder({ cacheSize: 0 }) }),
  );
  process.stdout.write(
    `\nIngestion of plain text (parse, normalise, chunk, index${' '}[+ embed]), one process, embedded PGlite\n${formatTable(
      [
        { header: 'embedder' },
        { header: 'MB', align: 'right' },
        { header: 'chunks', align: 'right' },
        { header: 'seconds', align: 'right' },
        { header: 'MB/s', align: 'right' },
        { header: 'chunks/s', align: 'right' },
        { header: 'CPU s', align: 'right' },
        { header: 'MB per CPU-s', align: 'right' },
      ],
      [
        [
          'off',
          off.megabytes.toFixed(2),
          String(off.chunks),
          off.seconds.toFixed(1),
          off.mbPerSecond.toFixed(2),
          String(off.chunksPerSecond),
          off.cpuSeconds.toFixed(1),
          off.mbPerCpuSecond.toFixed(2),
        ],
        [
          'local USE-lite',
          on.megabytes.toFixed(2),
          String(on.chunks),
          on.seconds.toFixed(1),
          on.mbPerSecond.toFixed(3),
          String(on.chunksPerSecond),
          on.cpuSeconds.toFixed(1),
          on.mbPerCpuSecond.toFixed(3),
        ],
      ],
    )}\n`,
  );
  return { embedderOff: off, embedderOn: on };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
