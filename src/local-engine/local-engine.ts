import { type ClassificationResult, type ClassifyRequest, classify } from './classify/classify.ts';
import { type Embedder, sharedLocalEmbedder } from './embedding/local-embedder.ts';
import { type ExtractionResult, type ExtractRequest, extract } from './extract/extract.ts';
import { type RecommendRequest, type RecommendResult, recommend } from './rank/recommend.ts';
import { type ScoreRequest, type ScoreResult, scoreItems } from './rank/score.ts';
import { type SummarizeRequest, type SummaryResult, summarize } from './summarize/summarize.ts';

/** Per call: the caller's signal (a disconnect, a job cancel) stops the work. */
export interface EngineCall {
  readonly signal?: AbortSignal | undefined;
}

/**
 * The local engine's strategies as one port. Requests and results are plain data (structured-clone safe),
 * so an implementation may run them on another thread: Keel's processes run them on the compute pool,
 * tests and library users inline.
 */
export interface LocalEngine {
  /** Whether strategies use the USE-lite embedder (false: lexical only). */
  readonly embeddings: boolean;
  classify(request: ClassifyRequest, call?: EngineCall): Promise<ClassificationResult>;
  summarize(request: SummarizeRequest, call?: EngineCall): Promise<SummaryResult>;
  /** `request.schema` is the JSON Schema as sent (a compiled plan does not cross threads). */
  extract(request: ExtractRequest, call?: EngineCall): Promise<ExtractionResult>;
  score(request: ScoreRequest, call?: EngineCall): Promise<ScoreResult>;
  recommend(request: RecommendRequest, call?: EngineCall): Promise<RecommendResult>;
}

/**
 * The engine on the calling thread. `embedder`: omitted, the process-wide USE-lite embedder (loaded on first
 * use); `null`, lexical strategies only. Used inside compute-pool threads and by tests.
 */
export function inlineLocalEngine(options: { readonly embedder?: Embedder | null } = {}): LocalEngine {
  const embedder = options.embedder === undefined ? undefined : options.embedder;
  const resolve = () => (embedder === undefined ? sharedLocalEmbedder() : embedder);
  const optionsOf = (call: EngineCall | undefined) => ({ signal: call?.signal, embedder: resolve() });
  return {
    embeddings: embedder !== null,
    classify: (request, call) => classify(request, optionsOf(call)),
    summarize: (request, call) => summarize(request, optionsOf(call)),
    extract: (request, call) => extract(request, optionsOf(call)),
    score: (request, call) => scoreItems(request, optionsOf(call)),
    recommend: (request, call) => recommend(request, optionsOf(call)),
  };
}
