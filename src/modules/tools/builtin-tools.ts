import { z } from 'zod';
import type { DocumentsService } from '../documents/index.ts';
import type { SearchService } from '../retrieval/index.ts';
import { evaluateExpression } from './calculator.ts';
import { type AnyTool, defineTool } from './define-tool.ts';

export const calculatorTool = defineTool({
  name: 'calculator',
  description:
    'Evaluates an arithmetic expression exactly as written: numbers, + - * / % ^, parentheses, pi, e and the functions abs, sqrt, cbrt, exp, ln, log10, log2, sin, cos, tan, asin, acos, atan, floor, ceil, round, trunc, min, max, pow.',
  input: z.object({ expression: z.string().min(1).max(1_000).describe('For example `(3 + 4) * 2 ^ 3`.') }),
  output: z.object({ expression: z.string(), value: z.number() }),
  effect: 'read',
  timeoutMs: 1_000,
  run: async ({ expression }) => ({ expression, value: evaluateExpression(expression) }),
});

function validTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export const currentTimeTool = defineTool({
  name: 'current_time',
  description:
    'The current date and time, in UTC and in an optional IANA time zone (for example `Europe/Paris`).',
  input: z.object({
    time_zone: z
      .string()
      .max(64)
      .refine(validTimeZone, 'not an IANA time zone')
      .optional()
      .describe('IANA time zone; UTC when omitted.'),
  }),
  output: z.object({ iso: z.string(), unix_ms: z.number().int(), time_zone: z.string(), local: z.string() }),
  effect: 'read',
  timeoutMs: 1_000,
  run: async ({ time_zone: timeZone }, context) => {
    const now = context.clock.now();
    const zone = timeZone ?? 'UTC';
    const local = new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone,
      dateStyle: 'short',
      timeStyle: 'medium',
    }).format(now);
    return { iso: now.toISOString(), unix_ms: now.getTime(), time_zone: zone, local };
  },
});

/** `search`: hybrid retrieval over the caller's collections (the retrieval module). */
export function searchTool(search: SearchService): AnyTool {
  return defineTool({
    name: 'search',
    description:
      'Searches document collections (hybrid lexical + semantic) and returns the best matching chunks with their chunk and document ids. Use `fetch_document` to read a whole document.',
    input: z.object({
      query: z.string().trim().min(1).max(2_000),
      collection_ids: z.array(z.string().min(1).max(64)).min(1).max(20),
      k: z.number().int().min(1).max(20).default(5),
    }),
    output: z.object({
      mode: z.string(),
      results: z.array(
        z.object({
          chunk_id: z.string(),
          document_id: z.string(),
          collection_id: z.string(),
          title: z.string(),
          score: z.number(),
          content: z.string(),
        }),
      ),
    }),
    effect: 'read',
    timeoutMs: 15_000,
    run: async (input, context) => {
      const response = await search.search({
        tenantId: context.tenantId,
        collectionIds: input.collection_ids,
        query: input.query,
        k: input.k,
        mode: 'hybrid',
        signal: context.signal,
      });
      return {
        mode: response.mode,
        results: response.results.map((result) => ({
          chunk_id: result.chunkId,
          document_id: result.documentId,
          collection_id: result.collectionId,
          title: result.title,
          score: result.score,
          content: result.content,
        })),
      };
    },
  });
}

/** `fetch_document`: a document's text (its chunks, overlaps removed), up to `max_characters`. */
export function fetchDocumentTool(documents: DocumentsService): AnyTool {
  return defineTool({
    name: 'fetch_document',
    description:
      'Reads a document of your collections by id: its title and text (truncated to `max_characters`).',
    input: z.object({
      document_id: z.string().min(1).max(64),
      max_characters: z.number().int().min(100).max(100_000).default(8_000),
    }),
    output: z.object({
      document_id: z.string(),
      collection_id: z.string(),
      title: z.string(),
      text: z.string(),
      truncated: z.boolean(),
    }),
    effect: 'read',
    timeoutMs: 10_000,
    run: async ({ document_id: documentId, max_characters: maxCharacters }, context) => {
      const { document, chunks } = await documents.getDocument(context.tenantId, documentId, {
        offset: 0,
        limit: 1_000,
      });
      let text = '';
      let end = 0;
      for (const chunk of chunks.items) {
        const overlap = Math.max(0, end - chunk.position.start);
        text += chunk.content.slice(overlap);
        end = Math.max(end, chunk.position.end);
        if (text.length > maxCharacters) break;
      }
      const truncated = text.length > maxCharacters || chunks.total > chunks.items.length;
      return {
        document_id: document.id,
        collection_id: document.collectionId,
        title: document.title,
        text: text.slice(0, maxCharacters),
        truncated,
      };
    },
  });
}
