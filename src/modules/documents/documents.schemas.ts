import { z } from 'zod';
import { chunkPositionSchema, type StoredChunk } from '../retrieval/index.ts';
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
    maxTokens: z
      .number()
      .int()
      .min(32)
      .max(4_096)
      .default(200)
      .describe(
        'Longest chunk, in tokens (o200k_base). The default fits the local embedder (1,000 characters).',
      ),
    overlapTokens: z
      .number()
      .int()
      .min(0)
      .max(1_024)
      .default(30)
      .describe('About how many tokens of a chunk’s end open the next chunk of the same section.'),
  })
  .refine((chunking) => chunking.overlapTokens <= chunking.maxTokens / 2, {
    message: 'overlapTokens must be at most half of maxTokens',
    path: ['overlapTokens'],
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
    chunking: z.object({ maxTokens: z.number().int(), overlapTokens: z.number().int() }),
    embedding: z
      .object({
        model: z
          .string()
          .nullable()
          .describe('`provider:model` whose vectors the collection holds; null: lexical only.'),
        dimensions: z.number().int().nullable(),
      })
      .describe('Recorded by the index: searches refuse to compare vectors of another model.'),
    chunkCount: z.number().int(),
    documents: statusCountsSchema,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Collection' });

export const collectionPageSchema = z
  .object({ items: z.array(collectionSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'CollectionPage' });

const problemSummarySchema = z
  .object({ code: z.string(), title: z.string(), detail: z.string(), retryable: z.boolean() })
  .meta({ id: 'DocumentError', description: 'Why ingestion failed; `code` is listed in docs/errors.md.' });

export const documentSchema = z
  .object({
    id: z.string(),
    collectionId: z.string(),
    title: z.string(),
    sourceName: z.string().nullable().describe('The uploaded file name.'),
    mediaType: z.enum(SUPPORTED_MEDIA_TYPES as [string, ...string[]]),
    byteSize: z.number().int(),
    contentHash: z
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
    chunkCount: z.number().int(),
    characterCount: z.number().int().describe('Length of the normalised text chunk positions refer to.'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Document' });

export const documentPageSchema = z
  .object({ items: z.array(documentSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'DocumentPage' });

export const acceptedDocumentSchema = z
  .object({
    document: documentSchema,
    duplicate: z.boolean().describe('The collection already held these bytes: `document` is that one.'),
    jobId: z.string().nullable().describe('The ingestion job, when ingestion runs as a job.'),
  })
  .meta({ id: 'DocumentAccepted' });

export const chunkSchema = z
  .object({
    id: z.string(),
    content: z.string(),
    tokenCount: z.number().int(),
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
    mediaType: z
      .enum(['text/plain', 'text/markdown', 'text/html', 'application/json'])
      .default('text/plain')
      .describe('How to read `text`.'),
    title: z.string().trim().min(1).max(512).optional(),
    sourceName: z.string().min(1).max(512).optional().describe('A file name to remember it by.'),
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
    chunking: collection.chunking,
    embedding: { model: index?.embeddingModel ?? null, dimensions: index?.embeddingDimensions ?? null },
    chunkCount: index?.chunkCount ?? 0,
    documents,
    createdAt: collection.createdAt.toISOString(),
    updatedAt: collection.updatedAt.toISOString(),
  };
}

export function presentDocument(document: DocumentRecord): z.output<typeof documentSchema> {
  return {
    id: document.id,
    collectionId: document.collectionId,
    title: document.title,
    sourceName: document.sourceName,
    mediaType: document.mediaType,
    byteSize: document.byteSize,
    contentHash: document.contentHash,
    metadata: document.metadata as z.output<typeof metadataSchema>,
    status: document.status,
    progress: document.progress,
    error: document.error,
    chunkCount: document.chunkCount,
    characterCount: document.characterCount,
    createdAt: document.createdAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
  };
}

export function presentChunk(chunk: StoredChunk): z.output<typeof chunkSchema> {
  return {
    id: chunk.id,
    content: chunk.content,
    tokenCount: chunk.tokenCount,
    position: { ...chunk.position, headingPath: [...chunk.position.headingPath] },
  };
}
