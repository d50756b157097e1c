import { defineErrors } from '../../platform/errors/index.ts';

export const documentErrors = defineErrors({
  DOCUMENTS_COLLECTION_NOT_FOUND: {
    status: 404,
    title: 'No such collection',
    category: 'user',
    retryable: false,
    description: 'No collection with this id exists for your tenant. `GET /v1/collections` lists yours.',
  },
  DOCUMENTS_COLLECTION_EXISTS: {
    status: 409,
    title: 'A collection with this name exists',
    category: 'user',
    retryable: false,
    description: 'Collection names are unique per tenant. `collection_id` is the existing one.',
  },
  DOCUMENTS_DOCUMENT_NOT_FOUND: {
    status: 404,
    title: 'No such document',
    category: 'user',
    retryable: false,
    description: 'No document with this id exists for your tenant (it may have been deleted).',
  },
  DOCUMENTS_DOCUMENT_NOT_READY: {
    status: 409,
    title: 'The document is not ready',
    category: 'user',
    retryable: true,
    description:
      'The document is still being ingested (or its ingestion failed), so its text is not available yet. `status` says which; `GET /v1/documents/{id}` shows progress. Retry once it is `ready`.',
  },
  DOCUMENTS_UPLOAD_TOO_LARGE: {
    status: 413,
    title: 'The document is too large',
    category: 'user',
    retryable: false,
    description:
      'The file or text exceeds the upload limit (`KEEL_UPLOAD_LIMIT_BYTES`, 20 MiB by default). `limit_bytes` says the limit. Split the document, or raise the limit.',
  },
  DOCUMENTS_MEDIA_TYPE_UNSUPPORTED: {
    status: 415,
    title: 'This kind of document is not supported',
    category: 'user',
    retryable: false,
    description:
      'Keel reads PDF, DOCX, HTML, Markdown, plain text and JSON. `supported` lists the media types; the type is told from the bytes, the file name and the declared type, in that order.',
  },
  DOCUMENTS_UPLOAD_INVALID: {
    status: 400,
    title: 'The upload is not valid',
    category: 'user',
    retryable: false,
    description:
      'A multipart upload must carry exactly one file part (`file`) and may carry `title` and `metadata` (a JSON object) fields. `errors` says what was wrong.',
  },
  DOCUMENTS_LIST_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'Pass back the `next_cursor` of a previous page unchanged.',
  },
  DOCUMENTS_PARSE_FAILED: {
    status: 422,
    title: 'The document could not be read',
    category: 'user',
    retryable: false,
    description:
      "Ingestion could not extract text from the document: a damaged or encrypted PDF, a broken DOCX, invalid JSON. Shown in the document's `error`; `detail` says why. Fix the file and upload it again.",
  },
  DOCUMENTS_PARSE_LIMIT_EXCEEDED: {
    status: 422,
    title: 'The document exceeds a parse limit',
    category: 'user',
    retryable: false,
    description:
      "The document is larger, more compressed or more deeply nested than parsing allows (a decompression bomb, a 100,000-level nesting, millions of blocks). `detail` names the limit and its value; the limits and their `KEEL_PARSE_*` variables are listed in docs/retrieval.md. Shown in the document's `error`; never retried.",
  },
  DOCUMENTS_NO_TEXT: {
    status: 422,
    title: 'The document has no text',
    category: 'user',
    retryable: false,
    description:
      "Ingestion found no text in the document (for example a scanned PDF: Keel does not run OCR). Shown in the document's `error`.",
  },
  DOCUMENTS_INGESTION_FAILED: {
    status: 500,
    title: 'Ingestion failed',
    category: 'system',
    retryable: true,
    description:
      "An unexpected failure while ingesting the document; the log line with the document id has the cause. Shown in the document's `error`. Re-index the collection or upload the document again to retry.",
  },
  DOCUMENTS_INGESTION_ABANDONED: {
    status: 422,
    title: 'Ingestion was abandoned after repeated crashes',
    category: 'user',
    retryable: false,
    description:
      "Every attempt at ingesting the document crashed its process, timed out or was lost with its worker (three attempts, counted in the document's `document-ingest` job, across restarts), so it is not tried again. Shown in the document's `error`. The document is probably pathological (a decompression bomb, extreme nesting): check it and upload a corrected one.",
  },
});
