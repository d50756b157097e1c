import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type FieldError, platformErrors } from '../errors/index.ts';
import { isUnsafeText, safeText } from '../text/index.ts';

/** Enough to point at the problem; a body full of them does not need a list of thousands. */
const MAX_REPORTED = 10;

const PARTS = ['body', 'query', 'params'] as const;

/**
 * One rule for every route (decision 0126): a JSON body, query string or path parameter holding U+0000
 * or a lone surrogate (in a value or a key) is answered 400 `REQUEST_VALIDATION_FAILED`, each such field
 * named by a JSON Pointer, before the route's schema or handler sees it. Such text cannot be stored
 * (PostgreSQL refuses it) and no client means to send it. Inputs that are not JSON (multipart fields,
 * file names, parsed documents) are made safe at the database boundary instead.
 */
export function installTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const errors = unsafeTextFields(request);
    if (errors.length === 0) return;
    throw new AppError(platformErrors.REQUEST_VALIDATION_FAILED, {
      detail: `Text holding U+0000 (NUL) or an unpaired UTF-16 surrogate is not accepted: ${errors
        .map((error) => error.pointer)
        .join(', ')}`,
      errors,
    });
  });
}

/** The fields of a request that hold unsafe text, as JSON Pointers into `/body`, `/query` and `/params`. */
export function unsafeTextFields(request: Pick<FastifyRequest, 'body' | 'query' | 'params'>): FieldError[] {
  const errors: FieldError[] = [];
  for (const part of PARTS) {
    findUnsafe(request[part], `/${part}`, errors);
    if (errors.length >= MAX_REPORTED) break;
  }
  return errors;
}

/** Iterative: a deeply nested body must not overflow the stack here (the body parser bounds depth). */
function findUnsafe(root: unknown, rootPointer: string, errors: FieldError[]): void {
  const stack: Array<[unknown, string]> = [[root, rootPointer]];
  while (stack.length > 0 && errors.length < MAX_REPORTED) {
    const [value, pointer] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (isUnsafeText(value)) errors.push(unsafe(pointer, 'value'));
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) {
        stack.push([value[index], `${pointer}/${index}`]);
      }
      continue;
    }
    // A Buffer or a stream (an upload) is not text to walk; parsed JSON, query and params objects are.
    if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') continue;
    const entries = Object.entries(value);
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, item] = entries[index] as [string, unknown];
      const child = `${pointer}/${escapePointer(key)}`;
      if (isUnsafeText(key)) errors.push(unsafe(child, 'key'));
      else stack.push([item, child]);
    }
  }
}

function unsafe(pointer: string, where: 'value' | 'key'): FieldError {
  return {
    // The pointer quotes the client's key: shown made safe, so the problem document itself is storable.
    pointer: safeText(pointer),
    message: `the ${where} holds U+0000 (NUL) or an unpaired surrogate, which Keel does not accept`,
    code: 'unsafe_text',
  };
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
