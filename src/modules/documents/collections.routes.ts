import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import {
  collectionPageSchema,
  collectionParamsSchema,
  collectionSchema,
  createCollectionSchema,
  pageQuerySchema,
  presentCollection,
} from './documents.schemas.ts';
import type { DocumentsService } from './documents.service.ts';

export function registerCollectionRoutes(
  app: HttpServer,
  { service }: { readonly service: DocumentsService },
): void {
  app.post(
    '/v1/collections',
    {
      config: { scope: 'documents:write' },
      schema: {
        operationId: 'createCollection',
        summary: 'Create a collection',
        description:
          'A collection holds documents searched together. It records the embedding model its vectors come from, and its chunking settings.',
        tags: ['Documents'],
        body: createCollectionSchema,
        response: {
          201: collectionSchema,
          ...problemResponses({
            400: 'The request is not valid.',
            409: 'You already have a collection with this name (`DOCUMENTS_COLLECTION_EXISTS`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const { chunking, ...collection } = request.body;
      const details = await service.createCollection(request.tenantId, {
        ...collection,
        ...(chunking
          ? { chunking: { maxTokens: chunking.max_tokens, overlapTokens: chunking.overlap_tokens } }
          : {}),
      });
      reply.code(201);
      return presentCollection(details);
    },
  );

  app.get(
    '/v1/collections',
    {
      config: { scope: 'documents:read' },
      schema: {
        operationId: 'listCollections',
        summary: 'List collections',
        description: 'Newest first, with document counts by status. `name` finds one by its exact name.',
        tags: ['Documents'],
        querystring: pageQuerySchema.extend({ name: z.string().min(1).max(128).optional() }).strict(),
        response: {
          200: collectionPageSchema,
          ...problemResponses({ 400: 'A query parameter is not valid.' }),
        },
      },
    },
    async (request) => {
      const { name, limit, cursor } = request.query;
      if (name !== undefined) {
        const found = await service.findCollectionByName(request.tenantId, name);
        return { items: found ? [presentCollection(found)] : [], next_cursor: null };
      }
      const page = await service.listCollections(request.tenantId, { limit, cursor });
      return { items: page.items.map(presentCollection), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/collections/:collectionId',
    {
      config: { scope: 'documents:read' },
      schema: {
        operationId: 'getCollection',
        summary: 'Get a collection',
        tags: ['Documents'],
        params: collectionParamsSchema,
        response: {
          200: collectionSchema,
          ...problemResponses({ 404: 'No such collection for your tenant.' }),
        },
      },
    },
    async (request) =>
      presentCollection(await service.getCollection(request.tenantId, request.params.collectionId)),
  );

  app.delete(
    '/v1/collections/:collectionId',
    {
      config: { scope: 'documents:write' },
      schema: {
        operationId: 'deleteCollection',
        summary: 'Delete a collection',
        description: 'Deletes the collection, its documents, their chunks and their vectors.',
        tags: ['Documents'],
        params: collectionParamsSchema,
        response: {
          204: z.null().describe('Deleted.'),
          ...problemResponses({ 404: 'No such collection for your tenant.' }),
        },
      },
    },
    async (request, reply) => {
      await service.deleteCollection(request.tenantId, request.params.collectionId);
      reply.code(204);
      return null;
    },
  );

  app.post(
    '/v1/collections/:collectionId/reindex',
    {
      config: { scope: 'documents:write' },
      schema: {
        operationId: 'reindexCollection',
        summary: 'Re-index a collection',
        description:
          'Forgets the collection’s vectors, records the embedding model Keel now uses, and ingests every document again from its stored bytes (use it after changing the embedder or to retry failed documents). Searches keep working lexically meanwhile.',
        tags: ['Documents'],
        params: collectionParamsSchema,
        response: {
          202: z
            .object({
              collection: collectionSchema,
              documents: z.number().int().describe('Documents queued for ingestion.'),
            })
            .meta({ id: 'ReindexAccepted' }),
          ...problemResponses({ 404: 'No such collection for your tenant.' }),
        },
      },
    },
    async (request, reply) => {
      const { collectionId } = request.params;
      const { documents } = await service.reindexCollection(request.tenantId, collectionId);
      reply.code(202);
      return {
        collection: presentCollection(await service.getCollection(request.tenantId, collectionId)),
        documents,
      };
    },
  );
}
