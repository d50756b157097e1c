// The embedded local engine: offline summarize, classify, extract, score and recommend by classic methods
// (wink-nlp, BM25, TF-IDF, MMR) and USE-lite embeddings, plus that embedder as an AI SDK EmbeddingModelV4.
export {
  type ClassificationResult,
  type ClassifierOptions,
  type ClassifyRequest,
  classify,
  DEFAULT_FEW_SHOT,
  type FewShotStrategy,
  type LabelClassifier,
  type LabelDefinition,
  type LabelScore,
  prepareClassifier,
} from './classify/classify.ts';
export {
  type Embedder,
  type EmbedderStats,
  type EmbeddingBackend,
  type EmbedOptions,
  LOCAL_EMBEDDING_DIMENSIONS,
  LocalEmbedder,
  type LocalEmbedderOptions,
  loadUseLite,
  type SentenceEncoder,
  sharedLocalEmbedder,
} from './embedding/local-embedder.ts';
export {
  createLocalEmbeddingModel,
  type LocalEmbeddingModelOptions,
} from './embedding/local-embedding-model.ts';
export { cosine } from './embedding/vectors.ts';
export {
  type ExtractionEvidence,
  type ExtractionResult,
  type ExtractRequest,
  extract,
} from './extract/extract.ts';
export {
  type SchemaViolation,
  schemaErrors,
  violations,
} from './extract/json-schema-validator.ts';
export { type LocatedEvidence, locateEvidence } from './extract/locate-evidence.ts';
export { compileExtractionSchema, type ExtractionPlan, SUPPORTED_FORMATS } from './extract/schema-plan.ts';
export { Bm25Index, type Bm25Parameters, DEFAULT_BM25 } from './lexical/bm25.ts';
export { LOCAL_ENGINE_LIMITS } from './limits.ts';
export { localEngineErrors } from './local-engine.errors.ts';
export { type EngineCall, inlineLocalEngine, type LocalEngine } from './local-engine.ts';
export type { LocalEngineOptions } from './options.ts';
export { type EngineProvenance, LOCAL_EMBEDDING_MODEL_ID } from './provenance.ts';
export {
  DEFAULT_FUSION,
  type FusionSettings,
  HybridRanker,
  type RankedItem,
  type RankerItem,
  type RankingEvidence,
  type RankingMode,
} from './rank/hybrid-ranker.ts';
export {
  type Recommendation,
  type RecommendationProfile,
  type RecommendRequest,
  type RecommendResult,
  recommend,
} from './rank/recommend.ts';
export {
  type ItemScore,
  type ScoreOptions,
  type ScoreRequest,
  type ScoreResult,
  scoreItems,
} from './rank/score.ts';
export {
  type SummarizeRequest,
  type SummaryResult,
  summarize,
  summaryProse,
} from './summarize/summarize.ts';
export {
  countWords,
  lexicalTerms,
  patternEntities,
  splitSentences,
  type TextEntity,
} from './text/analyze.ts';
