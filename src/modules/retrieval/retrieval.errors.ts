import { defineErrors } from '../../platform/errors/index.ts';

export const retrievalErrors = defineErrors({
  RETRIEVAL_COLLECTION_NOT_FOUND: {
    status: 404,
    title: 'No such collection',
    category: 'user',
    retryable: false,
    description:
      'A collection id in the search does not exist for your tenant. `missing` lists the ids; `GET /v1/collections` lists yours.',
  },
  RETRIEVAL_VECTOR_UNAVAILABLE: {
    status: 409,
    title: 'Vector search is not available',
    category: 'system',
    retryable: false,
    description:
      'Mode `vector` was asked for, but this deployment cannot serve it: the database has no pgvector, or no embedding model is configured. `reason` says which. Hybrid searches fall back to lexical instead of failing; use mode `lexical` or `hybrid`.',
  },
  RETRIEVAL_COLLECTION_NOT_EMBEDDED: {
    status: 409,
    title: 'The collection has no embeddings',
    category: 'user',
    retryable: false,
    description:
      'Mode `vector` was asked for on a collection indexed without an embedding model. Re-index it (`POST /v1/collections/{id}/reindex`) to embed it with the configured model, or search with mode `lexical` or `hybrid`.',
  },
  RETRIEVAL_EMBEDDING_MISMATCH: {
    status: 409,
    title: 'The collection was embedded with another model',
    category: 'user',
    retryable: false,
    description:
      "The collection's vectors come from a different embedding model (or dimension) than the one Keel now uses, so comparing them would return garbage. `collection_model` and `configured_model` say which; re-index the collection (`POST /v1/collections/{id}/reindex`) or search with mode `lexical`.",
  },
  RETRIEVAL_EMBEDDING_FAILED: {
    status: 502,
    title: 'The embedding model failed',
    category: 'third_party',
    retryable: true,
    description:
      'The embedding model did not return a usable vector for the query (an error, or a vector of the wrong length). Retry, or search with mode `lexical`.',
  },
});
