/**
 * Run in a fresh process by bench/quality.ts: RSS before and after loading USE-lite, and cold
 * throughput (no cache) on real sentences. Prints one JSON line.
 */
import { loadDbpedia } from './dbpedia.ts';

const megabytes = () => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
const count = Number(process.argv[2] ?? 512);

const engine = await import('../../src/local-engine/index.ts');
const collection = await loadDbpedia();
const sentences = collection.documents
  .flatMap((document) => document.text.split(/(?<=[.!?])\s+(?=[A-Z])/u).slice(0, 2))
  .filter((sentence) => sentence.length > 20 && sentence.length < 300)
  .slice(0, count);
globalThis.gc?.();
const rssBeforeMB = megabytes();
const embedder = new engine.LocalEmbedder({ cacheSize: 0 });
let started = performance.now();
await embedder.warmUp();
const loadSeconds = (performance.now() - started) / 1000;
const rssAfterLoadMB = megabytes();
await embedder.embed(sentences.slice(0, 32));
started = performance.now();
await embedder.embed(sentences);
const seconds = (performance.now() - started) / 1000;
const rssAfterEmbeddingMB = megabytes();
const meanChars = sentences.reduce((total, sentence) => total + sentence.length, 0) / sentences.length;
started = performance.now();
for (const sentence of sentences.slice(0, 20)) await embedder.embed([sentence]);
const singleMs = (performance.now() - started) / 20;
engine.lexicalTerms('load wink');
const rssAfterWinkMB = megabytes();
process.stdout.write(
  `${JSON.stringify({ sentences: sentences.length, meanChars, rssBeforeMB, rssAfterLoadMB, rssAfterEmbeddingMB, rssAfterWinkMB, loadSeconds, sentencesPerSecond: sentences.length / seconds, singleSentenceMs: singleMs })}\n`,
);
