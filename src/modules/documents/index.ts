// Documents: collections, uploads (PDF, DOCX, HTML, Markdown, text, JSON), the ingestion pipeline (parse,
// normalise, structure-aware chunking, embedding) and the routes over them. Chunks go to the retrieval index.
export {
  type Chunk,
  type ChunkingOptions,
  chunkDocument,
  DEFAULT_CHUNKING,
  loadTokenCounter,
  type TokenCounter,
} from './chunking/chunker.ts';
export { registerCollectionRoutes } from './collections.routes.ts';
export type {
  CollectionRecord,
  DocumentProgress,
  DocumentRecord,
  DocumentStatus,
  DocumentStore,
} from './document-store.port.ts';
export { documentErrors } from './documents.errors.ts';
export { registerDocumentRoutes } from './documents.routes.ts';
export {
  type AcceptedDocument,
  DocumentsService,
  type DocumentsServiceOptions,
  newId,
} from './documents.service.ts';
export {
  type DocumentProcessor,
  inlineDocumentProcessor,
  type ProcessDocumentRequest,
  type ProcessedDocument,
  processDocument,
} from './ingestion/document-processor.ts';
export {
  type IngestionOutcome,
  IngestionPipeline,
  type IngestionPipelineOptions,
  type IngestionRun,
} from './ingestion/ingestion-pipeline.ts';
export { type IngestionScheduler, InProcessIngestionRunner } from './ingestion/ingestion-runner.ts';
export {
  createDocumentIngestWorkflow,
  DOCUMENT_INGEST_CAPABILITY,
  INGESTION_ATTEMPTS,
  JobIngestionScheduler,
} from './ingestion/job-ingestion.ts';
export { MemoryDocumentStore } from './memory-document-store.ts';
export {
  detectMediaType,
  MEDIA_TYPES,
  SUPPORTED_MEDIA_TYPES,
  type SupportedMediaType,
} from './parsing/media-type.ts';
export { normaliseDocument } from './parsing/normalise.ts';
export { parseDocument } from './parsing/parse-document.ts';
export {
  DocumentParseError,
  DocumentParseLimitError,
  deserializeParseError,
  type SerializedParseError,
  serializeParseError,
} from './parsing/parse-error.ts';
export { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parsing/parse-limits.ts';
export { SqlDocumentStore } from './sql-document-store.ts';
