import type {
  LanguageModelV4,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { APICallError } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import {
  type AliasSettings,
  DEFAULT_RESILIENCE,
  emptyGatewaySettings,
  Gateway,
  type GatewayDependencies,
  type GatewaySettings,
  type ModelCallRecord,
  type ResilienceSettings,
} from '../../src/modules/gateway/index.ts';

export function usage(input: number, output: number): LanguageModelV4Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

export function answer(
  text: string,
  tokens: LanguageModelV4Usage = usage(7, 3),
): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: tokens,
    warnings: [],
  };
}

/** The parts of a streamed text answer, as an OpenAI-compatible provider emits them. */
export function textParts(
  text: string,
  tokens: LanguageModelV4Usage = usage(5, 2),
): LanguageModelV4StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', id: 'resp-1', modelId: 'upstream-model' },
    { type: 'text-start', id: 't' },
    ...text.split(' ').map(
      (word, index): LanguageModelV4StreamPart => ({
        type: 'text-delta',
        id: 't',
        delta: index === 0 ? word : ` ${word}`,
      }),
    ),
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: tokens },
  ];
}

export function upstreamError(statusCode: number, headers: Record<string, string> = {}): APICallError {
  return new APICallError({
    message: `upstream ${statusCode} with sk-secret-value`,
    url: 'http://upstream/v1/chat/completions',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
  });
}

/** Resilience tuned for tests: real behaviour, tiny delays. */
export const FAST_RESILIENCE: ResilienceSettings = {
  ...DEFAULT_RESILIENCE,
  baseDelayMs: 1,
  maxDelayMs: 5,
  maxRetryAfterMs: 2_000,
  requestTimeoutMs: 2_000,
  firstTokenTimeoutMs: 2_000,
  idleTimeoutMs: 2_000,
  totalTimeoutMs: 10_000,
  breaker: { failureThreshold: 100, halfOpenAfterMs: 60_000 },
};

/**
 * Settings for a gateway in front of the fake OpenAI-compatible server at `url` (the real provider, lean
 * reader included): `default` is its `fake-model`, `embed` its `fake-embedding`, one attempt per call.
 */
export function fakeUpstreamGatewaySettings(url: string): GatewaySettings {
  return emptyGatewaySettings({
    providers: [
      {
        name: 'upstream',
        kind: 'openai-compatible',
        baseUrl: url,
        apiKey: 'upstream-key',
        headers: {},
        structuredOutputs: true,
      },
    ],
    aliases: [
      { name: 'default', deployments: [{ ref: 'upstream:fake-model', weight: 1 }], fallbacks: [] },
      { name: 'embed', deployments: [{ ref: 'upstream:fake-embedding', weight: 1 }], fallbacks: [] },
    ],
    resilience: { ...FAST_RESILIENCE, maxAttempts: 1 },
  });
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly calls: ModelCallRecord[];
}

/**
 * A gateway over given models, each registered under its `provider:model` reference, with aliases
 * (`default` maps to the first model unless given) and test resilience.
 */
export function gatewayOver(
  models: Readonly<Record<string, LanguageModelV4>>,
  options: {
    readonly aliases?: readonly AliasSettings[];
    readonly settings?: Partial<GatewaySettings>;
    readonly resilience?: Partial<ResilienceSettings>;
    readonly dependencies?: Partial<GatewayDependencies>;
  } = {},
): TestGateway {
  const calls: ModelCallRecord[] = [];
  const byProvider = new Map<string, Map<string, LanguageModelV4>>();
  for (const [ref, model] of Object.entries(models)) {
    const [provider = '', ...rest] = ref.split(':');
    const modelId = rest.join(':');
    if (!byProvider.has(provider)) byProvider.set(provider, new Map());
    byProvider.get(provider)?.set(modelId, model);
  }
  const providers = Object.fromEntries(
    [...byProvider].map(([provider, entries]) => [
      provider,
      {
        languageModel: (modelId: string) => {
          const model = entries.get(modelId);
          if (model === undefined) throw new Error(`no test model ${provider}:${modelId}`);
          return model;
        },
      },
    ]),
  );
  const first = Object.keys(models)[0] ?? 'none:none';
  const aliases = options.aliases ?? [];
  const gateway = new Gateway({
    settings: emptyGatewaySettings({
      aliases: aliases.some((alias) => alias.name === 'default')
        ? aliases
        : [{ name: 'default', deployments: [{ ref: first, weight: 1 }], fallbacks: [] }, ...aliases],
      resilience: { ...FAST_RESILIENCE, ...options.resilience },
      ...options.settings,
    }),
    providers,
    observers: [(call) => calls.push(call)],
    ...options.dependencies,
  });
  return { gateway, calls };
}

export const scope = { requestId: 'request-1', tenantId: 'tenant-a', source: 'test' } as const;

/** Reads a stream to its end, keeping every part. */
export async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const parts: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) return parts;
    parts.push(next.value);
  }
}

type GenerateStep =
  | LanguageModelV4GenerateResult
  | Error
  | ((options: Parameters<LanguageModelV4['doGenerate']>[0]) => Promise<LanguageModelV4GenerateResult>);

/**
 * A mock model answering each `doGenerate` with the next scripted step (a result, an error to throw, or a
 * function); a call beyond the script fails loudly.
 */
export function scripted(ref: string, steps: readonly GenerateStep[]): MockLanguageModelV4 {
  const [provider = '', ...rest] = ref.split(':');
  const queue = [...steps];
  return new MockLanguageModelV4({
    provider,
    modelId: rest.join(':'),
    doGenerate: async (options) => {
      const step = queue.shift();
      if (step === undefined) throw new Error(`${ref}: unexpected call (script exhausted)`);
      if (step instanceof Error) throw step;
      if (typeof step === 'function') return step(options);
      return step;
    },
  });
}

/** The code of the first `error` part of a stream, if any. */
export function streamErrorCode(parts: ReadonlyArray<{ type: string; error?: unknown }>): string | undefined {
  const error = parts.find((part) => part.type === 'error')?.error;
  return error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
