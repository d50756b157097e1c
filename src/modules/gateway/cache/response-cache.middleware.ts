import { createHash } from 'node:crypto';
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import type { CacheSettings } from '../gateway-settings.ts';
import { currentCallFacts } from '../usage/call-facts.ts';
import type { ResponseCacheStore } from './response-cache.port.ts';

interface CachedGenerate {
  readonly kind: 'generate';
  readonly deployment: string | null;
  readonly result: Omit<LanguageModelV4GenerateResult, 'request' | 'response'> & {
    response?: { id?: string; modelId?: string; timestamp?: string };
  };
}

interface CachedStream {
  readonly kind: 'stream';
  readonly deployment: string | null;
  readonly parts: LanguageModelV4StreamPart[];
}

// The parts of a call that decide its answer; signals, headers and Keel's own options do not.
const KEY_FIELDS = [
  'prompt',
  'maxOutputTokens',
  'temperature',
  'stopSequences',
  'topP',
  'topK',
  'presencePenalty',
  'frequencyPenalty',
  'responseFormat',
  'seed',
  'tools',
  'toolChoice',
  'reasoning',
  'providerOptions',
] as const;

/**
 * The cache key of a call: SHA-256 of the route and the normalised request (fields that decide the answer,
 * keys sorted, undefined dropped), separately for generate and stream so each replays in its own shape.
 */
export function cacheKey(
  route: string,
  mode: 'generate' | 'stream',
  params: LanguageModelV4CallOptions,
): string {
  const relevant: Record<string, unknown> = {};
  for (const field of KEY_FIELDS) {
    const value = field === 'providerOptions' ? withoutKeel(params.providerOptions) : params[field];
    if (value !== undefined) relevant[field] = value;
  }
  return createHash('sha256')
    .update(`${mode}\u0000${route}\u0000${stableJson(relevant)}`)
    .digest('base64url');
}

/**
 * Exact-match response cache as AI SDK middleware. A hit answers without calling the route (facts say
 * `cacheHit`, the cost is 0); a streamed answer is recorded part by part and replayed as a stream. Only
 * complete answers are stored: nothing that finished with an error, nothing over `maxEntryBytes`.
 */
export function cacheMiddleware(options: {
  readonly store: ResponseCacheStore;
  readonly settings: CacheSettings;
  readonly route: string;
}): LanguageModelV4Middleware {
  const { store, settings, route } = options;
  return {
    specificationVersion: 'v4',
    wrapGenerate: async ({ doGenerate, params }) => {
      const key = cacheKey(route, 'generate', params);
      const hit = parse<CachedGenerate>(await store.get(key), 'generate');
      if (hit !== undefined) {
        markHit(hit.deployment);
        const { response, ...rest } = hit.result;
        return {
          ...rest,
          ...(response
            ? {
                response: {
                  ...response,
                  timestamp: response.timestamp === undefined ? undefined : new Date(response.timestamp),
                },
              }
            : {}),
        } as LanguageModelV4GenerateResult;
      }
      const result = await doGenerate();
      if (result.finishReason.unified !== 'error') {
        const entry: CachedGenerate = {
          kind: 'generate',
          deployment: currentCallFacts()?.deployment ?? null,
          result: {
            content: result.content,
            finishReason: result.finishReason,
            usage: result.usage,
            warnings: result.warnings,
            ...(result.providerMetadata ? { providerMetadata: result.providerMetadata } : {}),
            ...(result.response
              ? {
                  response: {
                    ...(result.response.id === undefined ? {} : { id: result.response.id }),
                    ...(result.response.modelId === undefined ? {} : { modelId: result.response.modelId }),
                    ...(result.response.timestamp === undefined
                      ? {}
                      : { timestamp: result.response.timestamp.toISOString() }),
                  },
                }
              : {}),
          },
        };
        save(store, key, entry, settings);
      }
      return result;
    },
    wrapStream: async ({ doStream, params }) => {
      const key = cacheKey(route, 'stream', params);
      const hit = parse<CachedStream>(await store.get(key), 'stream');
      if (hit !== undefined) {
        markHit(hit.deployment);
        return { stream: replay(hit.parts) };
      }
      const result = await doStream();
      const deployment = currentCallFacts()?.deployment ?? null;
      const parts: LanguageModelV4StreamPart[] = [];
      let cacheable = true;
      const recorder = new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
        transform(part, controller) {
          if (part.type === 'error') cacheable = false;
          else if (part.type !== 'raw') parts.push(part);
          if (part.type === 'finish') {
            if (cacheable && part.finishReason.unified !== 'error') {
              save(store, key, { kind: 'stream', deployment, parts }, settings);
            }
          }
          controller.enqueue(part);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(recorder) };
    },
  };
}

function markHit(deployment: string | null): void {
  const facts = currentCallFacts();
  if (facts === undefined) return;
  facts.cacheHit = true;
  if (deployment !== null) {
    const separator = deployment.indexOf(':');
    facts.deployment = deployment;
    facts.provider = deployment.slice(0, separator);
    facts.model = deployment.slice(separator + 1);
  }
}

function save(
  store: ResponseCacheStore,
  key: string,
  entry: CachedGenerate | CachedStream,
  settings: CacheSettings,
) {
  const text = JSON.stringify(entry, (_key, value) =>
    value instanceof Uint8Array ? { $bytes: Buffer.from(value).toString('base64') } : value,
  );
  if (Buffer.byteLength(text) > settings.maxEntryBytes) return;
  void store.set(key, text, settings.ttlMs);
}

function parse<T extends CachedGenerate | CachedStream>(
  text: string | undefined,
  kind: T['kind'],
): T | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text, (_key, raw) =>
      raw && typeof raw === 'object' && typeof raw.$bytes === 'string' && Object.keys(raw).length === 1
        ? new Uint8Array(Buffer.from(raw.$bytes, 'base64'))
        : raw,
    ) as T;
    return value.kind === kind ? value : undefined;
  } catch {
    return undefined;
  }
}

function replay(parts: readonly LanguageModelV4StreamPart[]): ReadableStream<LanguageModelV4StreamPart> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      const part = parts[index++];
      if (part === undefined) {
        controller.close();
        return;
      }
      controller.enqueue(
        part.type === 'response-metadata' && typeof part.timestamp === 'string'
          ? { ...part, timestamp: new Date(part.timestamp) }
          : part,
      );
    },
  });
}

function withoutKeel(options: LanguageModelV4CallOptions['providerOptions']): unknown {
  if (options === undefined || !('keel' in options)) return options;
  const { keel: _keel, ...rest } = options;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/** JSON with object keys sorted, so equal requests give equal text whatever order their fields came in. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value instanceof URL) return JSON.stringify(value.href);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${stableJson(member)}`).join(',')}}`;
}
