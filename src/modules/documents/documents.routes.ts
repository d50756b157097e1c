import multipart from '@fastify/multipart';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import {
  acceptedDocumentSchema,
  collectionParamsSchema,
  documentDetailsSchema,
  documentPageSchema,
  documentParamsSchema,
  pageQuerySchema,
  presentChunk,
  presentDocument,
  textDocumentSchema,
  uploadFormSchema,
} from './documents.schemas.ts';
import type { AcceptedDocument, DocumentsService } from './documents.service.ts';
import { readUpload } from './upload.ts';

const ACCEPTED_RESPONSES = {
  200: acceptedDocumentSchema.describe('The collection already held these bytes: nothing new was ingested.'),
  202: acceptedDocumentSchema.describe('Accepted: ingestion runs in the background; poll the document.'),
};

const WRITE_PROBLEMS = problemResponses({
  400: 'The request or the upload is not valid.',
  404: 'No such collection for your tenant.',
  413: 'The document exceeds the upload limit (`DOCUMENTS_UPLOAD_TOO_LARGE`).',
  415: 'Not a PDF, DOCX, HTML, Markdown, text or JSON document (`DOCUMENTS_MEDIA_TYPE_UNSUPPORTED`).',
});

export async function registerDocumentRoutes(
  app: HttpServer,
  { service }: { readonly service: DocumentsService },
): Promise<void> {
  const accepted = (result: AcceptedDocument, reply: { code(status: number): unknown }) => {
    reply.code(result.scheduled ? 202 : 200);
    return { document: presentDocument(result.document), duplicate: result.duplicate, job_id: result.jobId };
  };

  app.post(
    '/v1/collections/:collectionId/documents',
    {
      config: { scope: 'documents:write' },
      // JSON escaping can double a text's size; the text itself is checked against the upload limit.
      bodyLimit: service.maxUploadBytes * 2 + 65_536,
      schema: {
        operationId: 'addTextDocument',
        summary: 'Add a document as text',
        description:
          'Adds text (plain, Markdown, HTML or JSON) with metadata to a collection. Answers 202 at once; ingestion (parse, chunk, embed, index) runs in the background and the document’s `status` and `progress` show how far it got.',
        tags: ['Documents'],
        params: collectionParamsSchema,
        body: textDocumentSchema,
        response: { ...ACCEPTED_RESPONSES, ...WRITE_PROBLEMS },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const bytes = Buffer.from(body.text, 'utf8');
      if (bytes.byteLength > service.maxUploadBytes) throw service.tooLarge();
      const result = await service.addDocument(request.tenantId, request.params.collectionId, {
        bytes,
        declaredType: body.media_type,
        filename: body.source_name,
        title: body.title,
        metadata: body.metadata,
      });
      return accepted(result, reply);
    },
  );

  // Multipart is accepted by this route only: everywhere else a multipart body is a 415.
  await app.register((scope, _options, done) => {
    void scope.register(multipart, {
      limits: { fileSize: service.maxUploadBytes, files: 1, fields: 8, fieldSize: 65_536, parts: 9 },
    });
    (scope as unknown as HttpServer).post(
      '/v1/collections/:collectionId/documents/upload',
      {
        config: { scope: 'documents:write' },
        // The form is read as a stream in the handler; its schema documents it and is not used to validate.
        validatorCompiler: (route) =>
          route.httpPart === 'body'
            ? (data: unknown) => ({ value: data })
            : validatorCompiler(route as never),
        schema: {
          operationId: 'uploadDocument',
          summary: 'Upload a document file',
          description:
            'Uploads one file (PDF, DOCX, HTML, Markdown, plain text or JSON) as `multipart/form-data`, with optional `title` and `metadata` (a JSON object) fields. Answers 202 at once; ingestion runs in the background. The same bytes twice in a collection are one document (200, `duplicate: true`).',
          tags: ['Documents'],
          consumes: ['multipart/form-data'],
          params: collectionParamsSchema,
          body: uploadFormSchema,
          response: { ...ACCEPTED_RESPONSES, ...WRITE_PROBLEMS },
        },
      },
      async (request, reply) => {
        const upload = await readUpload(request as never, service);
        const result = await service.addDocument(request.tenantId, request.params.collectionId, upload);
        return accepted(result, reply);
      },
    );
    done();
  });

  app.get(
    '/v1/collections/:collectionId/documents',
    {
      config: { scope: 'documents:read' },
      schema: {
        operationId: 'listDocuments',
        summary: 'List a collection’s documents',
        description: 'Newest first; `status` narrows to queued, processing, ready or failed documents.',
        tags: ['Documents'],
        params: collectionParamsSchema,
        querystring: pageQuerySchema
          .extend({ status: z.enum(['queued', 'processing', 'ready', 'failed']).optional() })
          .strict(),
        response: {
          200: documentPageSchema,
          ...problemResponses({
            400: 'A query parameter is not valid.',
            404: 'No such collection for your tenant.',
          }),
        },
      },
    },
    async (request) => {
      const page = await service.listDocuments(request.tenantId, request.params.collectionId, request.query);
      return { items: page.items.map(presentDocument), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/documents/:documentId',
    {
      config: { scope: 'documents:read' },
      schema: {
        operationId: 'getDocument',
        summary: 'Get a document with its status and chunks',
        description: 'The document’s ingestion status, progress or error, and a page of its chunks in order.',
        tags: ['Documents'],
        params: documentParamsSchema,
        querystring: z
          .object({
            chunk_offset: z.coerce.number().int().min(0).default(0),
            chunk_limit: z.coerce.number().int().min(0).max(500).default(100),
          })
          .strict(),
        response: {
          200: documentDetailsSchema,
          ...problemResponses({
            400: 'A query parameter is not valid.',
            404: 'No such document for your tenant.',
          }),
        },
      },
    },
    async (request) => {
      const { chunk_offset: chunkOffset, chunk_limit: chunkLimit } = request.query;
      const { document, chunks } = await service.getDocument(request.tenantId, request.params.documentId, {
        offset: chunkOffset,
        limit: chunkLimit,
      });
      return {
        ...presentDocument(document),
        chunks: {
          items: chunks.items.map(presentChunk),
          total: chunks.total,
          embedded: chunks.embedded,
          offset: chunkOffset,
          limit: chunkLimit,
        },
      };
    },
  );

  app.delete(
    '/v1/documents/:documentId',
    {
      config: { scope: 'documents:write' },
      schema: {
        operationId: 'deleteDocument',
        summary: 'Delete a document',
        description: 'Deletes the document, its stored bytes, its chunks and their vectors.',
        tags: ['Documents'],
        params: documentParamsSchema,
        response: {
          204: z.null().describe('Deleted.'),
          ...problemResponses({ 404: 'No such document for your tenant.' }),
        },
      },
    },
    async (request, reply) => {
      await service.deleteDocument(request.tenantId, request.params.documentId);
      reply.code(204);
      return null;
    },
  );
}
