import type { FastifyInstance } from 'fastify';
import { AppError, platformErrors } from '../errors/index.ts';

/**
 * The deepest nesting of arrays and objects a JSON body may have. Real requests (chat messages, JSON
 * Schemas for structured output or tools, dataset items) stay far below it; much deeper documents only
 * serve to exhaust the stack of whatever walks them later (serialisers, the redactor, validators).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The JSON body parser of every route: Fastify's own (prototype-poisoning checks included) behind a
 * nesting check, so a body nested deeper than `MAX_JSON_DEPTH` is a 400 REQUEST_BODY_TOO_DEEP before any
 * handler (or the MCP transport, or the request log) sees it.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (nestingExceeds(text, MAX_JSON_DEPTH)) {
      done(
        new AppError(platformErrors.REQUEST_BODY_TOO_DEEP, {
          detail: `The JSON body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`,
          details: { max_depth: MAX_JSON_DEPTH },
        }),
        undefined,
      );
      return;
    }
    // Fastify's parser answers through `done`; its return value carries nothing.
    void parse(request, text, done);
  });
}

/** Whether JSON text opens more than `limit` arrays/objects at once (brackets inside strings do not count). */
export function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > limit) return true;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return false;
}
