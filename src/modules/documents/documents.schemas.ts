import { z } from 'zod';
import { chunkPositionSchema, presentChunkPosition, type StoredChunk } from '../retrieval/index.ts';
import type { DocumentRecord } from './document-store.port.ts';
import type { CollectionDetails } from './documents.service.ts';
import { SUPPORTED_MEDIA_TYPES } from './parsing/media-type.ts';

const scalar = z.union([z.string().max(1_000), z.number(), z.boolean()]);

/** Document and collection metadata: flat, small, filterable in searches. */
export const metadataSchema = z
  .record(z.string().min(1).max(64), z.union([scalar, z.null(), z.array(scalar).max(50)]))
  .refine((metadata) => Object.keys(metadata).length <= 32, { message: 'at most 32 keys' })
  .refine((metadata) => JSON.stringify(metadata).length <= 8_192, { message: 'at most 8 KiB of JSON' })
  .meta({
    id: 'Metadata',
    description:
      'Up to 32 keys; values are strings, numbers, booleans, null or arrays of those. Search filters match on them.',
  });

const idSchema = z.string().min(1).max(64);
export const collectionParamsSchema = z.object({ collectionId: idSchema });
export const documentParamsSchema = z.object({ documentId: idSchema });

export const chunkingSchema = z
  .object({
    max_tokens: z
      .number()
      .int()
      .min(32)
      .max(4_096)
      .default(200)
      .describe(
        'Longest chunk, in tokens (o200k_base). The default fits the local embedder (1,000 characters).',
      ),
    overlap_tokens: z
      .number()
      .int()
      .min(0)
      .max(1_024)
      .default(30)
      .describe('About how many tokens of a chunk’s end open the next chunk of the same section.'),
  })
  .refine((chunking) => chunking.overlap_tokens <= chunking.max_tokens / 2, {
    message: 'overlap_tokens must be at most half of max_tokens',
    path: ['overlap_tokens'],
  })
  .meta({ id: 'ChunkingSettings' });

export const createCollectionSchema = z
  .object({
    name: z.string().trim().min(1).max(128).describe('Unique per tenant.'),
    description: z.string().max(2_000).optional(),
    metadata: metadataSchema.optional(),
    chunking: chunkingSchema.optional(),
  })
  .strict()
  .meta({ id: 'CreateCollectionRequest' });

const statusCountsSchema = z.object({
  queued: z.number().int(),
  processing: z.number().int(),
  ready: z.number().int(),
  failed: z.number().int(),
});

export const collectionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    metadata: metadataSchema,
    chunking: z.object({ max_tokens: z.number().int(), overlap_tokens: z.number().int() }),
    embedding: z
      .object({
        model: z
          .string()
          .nullable()
          .describe('`provider:model` whose vectors the collection holds; null: lexical only.'),
        dimensions: z.number().int().nullable(),
      })
      .describe('Recorded by the index: searches refuse to compare vectors of another model.'),
    chunk_count: z.number().int(),
    documents: statusCountsSchema,
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Collection' });

export const collectionPageSchema = z
  .object({ items: z.array(collectionSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'CollectionPage' });

const problemSummarySchema = z
  .object({ code: z.string(), title: z.string(), detail: z.string(), retryable: z.boolean() })
  .meta({ id: 'DocumentError', description: 'Why ingestion failed; `code` is listed in docs/errors.md.' });

export const documentSchema = z
  .object({
    id: z.string(),
    collection_id: z.string(),
    title: z.string(),
    source_name: z.string().nullable().describe('The uploaded file name.'),
    media_type: z.enum(SUPPORTED_MEDIA_TYPES as [string, ...string[]]),
    byte_size: z.number().int(),
    content_hash: z
      .string()
      .describe('SHA-256 of the bytes; the same bytes twice in a collection are one document.'),
    metadata: metadataSchema,
    status: z
      .enum(['queued', 'processing', 'ready', 'failed'])
      .describe('`ready` once searchable; `failed` with `error` when it could not be ingested.'),
    progress: z
      .object({
        step: z.enum(['parse', 'chunk', 'embed', 'index']),
        completed: z.number().int(),
        total: z.number().int(),
      })
      .nullable(),
    error: problemSummarySchema.nullable(),
    chunk_count: z.number().int(),
    character_count: z.number().int().describe('Length of the normalised text chunk positions refer to.'),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Document' });

export const documentPageSchema = z
  .object({ items: z.array(documentSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'DocumentPage' });

export const acceptedDocumentSchema = z
  .object({
    document: documentSchema,
    duplicate: z.boolean().describe('The collection already held these bytes: `document` is that one.'),
    job_id: z.string().nullable().describe('The ingestion job, when ingestion runs as a job.'),
  })
  .meta({ id: 'DocumentAccepted' });

export const chunkSchema = z
  .object({
    id: z.string(),
    content: z.string(),
    token_count: z.number().int(),
    position: chunkPositionSchema,
  })
  .meta({ id: 'Chunk' });

export const documentDetailsSchema = documentSchema
  .extend({
    chunks: z.object({
      items: z.array(chunkSchema),
      total: z.number().int(),
      embedded: z.number().int().describe('Chunks with a vector.'),
      offset: z.number().int(),
      limit: z.number().int(),
    }),
  })
  .meta({ id: 'DocumentDetails' });

export const textDocumentSchema = z
  .object({
    text: z.string().min(1).describe('The document itself.'),
    media_type: z
      .enum(['text/plain', 'text/markdown', 'text/html', 'application/json'])
      .default('text/plain')
      .describe('How to read `text`.'),
    title: z.string().trim().min(1).max(512).optional(),
    source_name: z.string().min(1).max(512).optional().describe('A file name to remember it by.'),
    metadata: metadataSchema.optional(),
  })
  .strict()
  .meta({ id: 'TextDocumentRequest' });

export const uploadFormSchema = z
  .object({
    file: z
      .string()
      .meta({ format: 'binary' })
      .describe('The document: PDF, DOCX, HTML, Markdown, plain text or JSON.'),
    title: z.string().optional().describe('Defaults to the document’s own title, else the file name.'),
    metadata: z.string().optional().describe('A JSON object (see Metadata).'),
  })
  .meta({ id: 'DocumentUploadForm' });

export const pageQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

export function presentCollection(details: CollectionDetails): z.output<typeof collectionSchema> {
  const { collection, index, documents } = details;
  return {
    id: collection.id,
    name: collection.name,
    description: collection.description,
    metadata: collection.metadata as z.output<typeof metadataSchema>,
    chunking: {
      max_tokens: collection.chunking.maxTokens,
      overlap_tokens: collection.chunking.overlapTokens,
    },
    embedding: { model: index?.embeddingModel ?? null, dimensions: index?.embeddingDimensions ?? null },
    chunk_count: index?.chunkCount ?? 0,
    documents,
    created_at: collection.createdAt.toISOString(),
    updated_at: collection.updatedAt.toISOString(),
  };
}

export function presentDocument(document: DocumentRecord): z.output<typeof documentSchema> {
  return {
    id: document.id,
    collection_id: document.collectionId,
    title: document.title,
    source_name: document.sourceName,
    media_type: document.mediaType,
    byte_size: document.byteSize,
    content_hash: document.contentHash,
    metadata: document.metadata as z.output<typeof metadataSchema>,
    status: document.status,
    progress: document.progress,
    error: document.error,
    chunk_count: document.chunkCount,
    character_count: document.characterCount,
    created_at: document.createdAt.toISOString(),
    updated_at: document.updatedAt.toISOString(),
  };
}

export function presentChunk(chunk: StoredChunk): z.output<typeof chunkSchema> {
  return {
    id: chunk.id,
    content: chunk.content,
    token_count: chunk.tokenCount,
    position: presentChunkPosition(chunk.position),
  };
}
