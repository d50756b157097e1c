import { isDeepStrictEqual } from 'node:util';

type Json = unknown;
interface Document {
  components?: { schemas?: Record<string, Json> };
  [key: string]: Json;
}

const REF_PREFIX = '#/components/schemas/';

/**
 * The Zod transform emits every registered schema twice (`X` for responses, `XInput` for requests).
 * Keep only what the document references, and give each kept schema its plain name when that is free,
 * so clients see `PromptRequest`, not `PromptRequestInput`.
 */
export function tidyComponents<T>(input: T): T {
  const document = input as Document;
  const schemas = document.components?.schemas;
  if (!schemas) return input;

  const referenced = reachableSchemas(document, schemas);
  for (const name of Object.keys(schemas)) if (!referenced.has(name)) delete schemas[name];

  const renames = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    if (!name.endsWith('Input')) continue;
    const plain = name.slice(0, -'Input'.length);
    if (!(plain in schemas)) renames.set(name, plain);
    else if (isDeepStrictEqual(schemas[plain], schemas[name])) renames.set(name, plain);
  }
  if (renames.size === 0) return input;
  for (const [from, to] of renames) {
    if (!(to in schemas)) schemas[to] = schemas[from];
    delete schemas[from];
  }
  rewriteRefs(document, renames);
  return input;
}

function reachableSchemas(document: Document, schemas: Record<string, Json>): Set<string> {
  const seen = new Set<string>();
  const pending: Json[] = Object.entries(document)
    .filter(([key]) => key !== 'components')
    .map(([, value]) => value);
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) pending.push(...node);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
          const name = value.slice(REF_PREFIX.length);
          if (!seen.has(name)) {
            seen.add(name);
            pending.push(schemas[name]);
          }
        } else pending.push(value);
      }
    }
  }
  return seen;
}

function rewriteRefs(node: Json, renames: ReadonlyMap<string, string>): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteRefs(item, renames);
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, Json>;
    for (const [key, value] of Object.entries(record)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
        const target = renames.get(value.slice(REF_PREFIX.length));
        if (target) record[key] = `${REF_PREFIX}${target}`;
      } else rewriteRefs(value, renames);
    }
  }
}
