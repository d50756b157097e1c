// Test helpers shared by the built-in capabilities' tests: scripted, streaming and failing models, and an invoker.
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
} from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import type { CapabilityEvent } from '../../src/modules/capabilities/capability-events.ts';
import { CapabilityInvoker } from '../../src/modules/capabilities/capability-invoker.ts';
import type { AnyCapability } from '../../src/modules/capabilities/define-capability.ts';
import { emptyGatewaySettings, Gateway } from '../../src/modules/gateway/index.ts';
import { createLogger } from '../../src/platform/logging/index.ts';
import { answer, textParts, upstreamError, usage } from './gateway-fixtures.ts';
import { catalogFor } from './test-app.ts';

export { answer, upstreamError };

/** A model that answers `doGenerate` with these texts in turn, and fails loudly when asked once more. */
export function scriptedModel(...texts: string[]): MockLanguageModelV4 {
  let call = 0;
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'mock-1',
    doGenerate: async (): Promise<LanguageModelV4GenerateResult> => {
      const text = texts[call++];
      if (text === undefined) throw new Error(`unexpected model call #${call}`);
      return answer(text);
    },
  });
}

/** A model whose `doGenerate` answers by a function of the call (its prompt), e.g. per batch. */
export function respondingModel(
  respond: (options: LanguageModelV4CallOptions) => string,
): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'mock-1',
    doGenerate: async (options) => answer(respond(options)),
  });
}

/** A model that streams `text` word by word, `delayMs` apart (or answers it at once to a plain call). */
export function streamingModel(text: string, delayMs?: number): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'mock-1',
    doGenerate: async () => answer(text, usage(5, 2)),
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: textParts(text),
        ...(delayMs === undefined ? {} : { chunkDelayInMs: delayMs, initialDelayInMs: 0 }),
      }),
    }),
  });
}

/** A model failing every call with an upstream status. */
export function failingModel(status: number): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'mock-1',
    doGenerate: async () => {
      throw upstreamError(status);
    },
    doStream: async () => {
      throw upstreamError(status);
    },
  });
}

/** The text of the last user message a model call received. */
export function lastPrompt(options: LanguageModelV4CallOptions): string {
  const message = options.prompt.at(-1);
  if (message?.role !== 'user') return '';
  return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Invokes a capability directly (no HTTP) and collects what it emitted, to check streaming parts. */
export async function invokeCollecting(
  capability: AnyCapability,
  input: unknown,
  model?: LanguageModelV4,
  options: {
    readonly signal?: AbortSignal;
    readonly onEvent?: (event: CapabilityEvent) => void;
    /** The caller reads events live (an SSE response): capabilities stream from the model. */
    readonly streaming?: boolean;
  } = {},
): Promise<{ output: unknown; events: CapabilityEvent[]; progress: number[] }> {
  const events: CapabilityEvent[] = [];
  const progress: number[] = [];
  const invoker = new CapabilityInvoker({
    models: model === undefined ? new Gateway({ settings: emptyGatewaySettings() }) : catalogFor(model),
    clock: { now: () => new Date() },
    record: () => {},
  });
  const output = await invoker.invoke(capability, capability.input.parse(input), {
    requestId: 'test-request',
    tenantId: 'default',
    signal: options.signal ?? new AbortController().signal,
    streaming: options.streaming ?? false,
    logger: createLogger({ level: 'silent' }),
    reporter: {
      emit: (event) => {
        events.push(event);
        options.onEvent?.(event);
      },
      progress: (fraction) => progress.push(fraction),
      step: (name, run) => run({ key: `test-request:${name}` }),
    },
  });
  return { output, events, progress };
}
