// What a compute-pool thread runs for the documents module: parsing, normalising and chunking an upload.
// A second public entry beside index.ts, so a worker thread loads this and not the module's routes and stores.
export {
  type ProcessDocumentRequest,
  type ProcessedDocument,
  processDocument,
} from './ingestion/document-processor.ts';
