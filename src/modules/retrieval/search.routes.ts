import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import type { ChunkPosition } from './chunk-index.port.ts';
import { metadataFilterSchema } from './metadata-filter.ts';
import type { SearchResponse, SearchService } from './search.service.ts';

const metadataValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
]);

const signalSchema = z
  .object({
    rank: z.number().int().describe('1-based rank in that list.'),
    score: z.number().describe('BM25 score (lexical) or cosine similarity (vector).'),
  })
  .nullable();

export const chunkPositionSchema = z
  .object({
    ordinal: z.number().int().describe('0-based order of the chunk in its document.'),
    start: z.number().int().describe("Start offset (characters) in the document's normalised text."),
    end: z.number().int().describe('End offset (exclusive). Consecutive chunks overlap.'),
    page_start: z.number().int().nullable().describe('First page (PDF), else null.'),
    page_end: z.number().int().nullable(),
    heading_path: z.array(z.string()).describe('Headings above the chunk, outermost first.'),
  })
  .meta({ id: 'ChunkPosition' });

/** A chunk's position as clients see it (ADR 0151: snake_case at the HTTP boundary). */
export function presentChunkPosition(position: ChunkPosition): z.output<typeof chunkPositionSchema> {
  return {
    ordinal: position.ordinal,
    start: position.start,
    end: position.end,
    page_start: position.pageStart,
    page_end: position.pageEnd,
    heading_path: [...position.headingPath],
  };
}

export const searchRequestSchema = z
  .object({
    query: z.string().trim().min(1).max(2_000),
    collection_ids: z.array(z.string().min(1).max(64)).min(1).max(20).describe('Collections to search.'),
    k: z.number().int().min(1).max(100).default(10).describe('How many chunks to return.'),
    mode: z
      .enum(['hybrid', 'lexical', 'vector'])
      .default('hybrid')
      .describe(
        '`lexical` (BM25 over full-text lexemes), `vector` (cosine over embeddings) or `hybrid` (both, fused by reciprocal rank). Hybrid falls back to lexical where vectors are unavailable, and says so in `fallback`.',
      ),
    filter: metadataFilterSchema.optional(),
    document_ids: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .optional()
      .describe('Only these documents.'),
  })
  .strict()
  .meta({ id: 'SearchRequest' });

export const searchResultSchema = z
  .object({
    chunk_id: z.string().describe('Cite this id: `answer` sources point at chunk ids.'),
    document_id: z.string(),
    collection_id: z.string(),
    title: z.string().describe("The document's title."),
    rank: z.number().int(),
    score: z
      .number()
      .describe(
        'Reciprocal-rank fusion score (hybrid), BM25 (lexical) or cosine (vector); compare within one answer.',
      ),
    lexical: signalSchema,
    vector: signalSchema,
    content: z.string().describe('The whole chunk.'),
    snippet: z.string().describe('The part of the chunk that best matches the query.'),
    highlights: z
      .array(z.object({ start: z.number().int(), end: z.number().int() }))
      .describe('Offsets of query words in `snippet`.'),
    position: chunkPositionSchema,
    metadata: z.record(z.string(), metadataValueSchema).describe("The document's metadata."),
  })
  .meta({ id: 'SearchResult' });

export const searchResponseSchema = z
  .object({
    mode: z.enum(['hybrid', 'lexical', 'vector']).describe('The mode that ran.'),
    requested_mode: z.enum(['hybrid', 'lexical', 'vector']),
    fallback: z
      .object({
        reason: z.enum(['vector_index_unavailable', 'no_embedding_model', 'collection_not_embedded']),
        detail: z.string(),
      })
      .nullable()
      .describe('Why a hybrid search ran lexically only; null when it ran as asked.'),
    embedding_model: z.string().nullable().describe('`provider:model` that embedded the query, if any.'),
    results: z.array(searchResultSchema),
  })
  .meta({ id: 'SearchResponse' });

export function presentSearchResponse(response: SearchResponse): z.output<typeof searchResponseSchema> {
  return {
    mode: response.mode,
    requested_mode: response.requestedMode,
    fallback: response.fallback,
    embedding_model: response.embeddingModel,
    results: response.results.map((result) => ({
      chunk_id: result.chunkId,
      document_id: result.documentId,
      collection_id: result.collectionId,
      title: result.title,
      rank: result.rank,
      score: result.score,
      lexical: result.lexical,
      vector: result.vector,
      content: result.content,
      snippet: result.snippet,
      highlights: [...result.highlights],
      position: presentChunkPosition(result.position),
      metadata: result.metadata as Record<string, z.infer<typeof metadataValueSchema>>,
    })),
  };
}

export function registerSearchRoutes(app: HttpServer, options: { readonly search: SearchService }): void {
  app.post(
    '/v1/search',
    {
      config: { scope: 'documents:read' },
      schema: {
        operationId: 'search',
        summary: 'Search collections',
        description:
          'Finds the chunks of your collections that best match a query: lexically (BM25), by meaning (embeddings) or both (hybrid, the default). Results carry chunk ids, document ids, positions and snippets.',
        tags: ['Documents'],
        body: searchRequestSchema,
        response: {
          200: searchResponseSchema,
          ...problemResponses({
            400: 'The request is not valid.',
            404: 'A collection does not exist for your tenant (`RETRIEVAL_COLLECTION_NOT_FOUND`).',
            409: 'Vector search cannot run: no pgvector or embedder, a collection without embeddings, or embedded with another model.',
            502: 'The embedding model failed on the query.',
          }),
        },
      },
    },
    async (request, reply) => {
      // A response closed before it finished means the client went away: stop embedding its query.
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const body = request.body;
      const response = await options.search.search({
        tenantId: request.tenantId,
        collectionIds: body.collection_ids,
        query: body.query,
        k: body.k,
        mode: body.mode,
        filter: body.filter,
        documentIds: body.document_ids,
        signal: abort.signal,
      });
      return presentSearchResponse(response);
    },
  );
}
