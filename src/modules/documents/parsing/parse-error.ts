/** Why a document's bytes could not become text; ingestion reports it as DOCUMENTS_PARSE_FAILED. */
export class DocumentParseError extends Error {
  override name = 'DocumentParseError';
}
