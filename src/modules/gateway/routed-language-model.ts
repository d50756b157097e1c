import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
} from '@ai-sdk/provider';
import { AppError } from '../../platform/errors/index.ts';
import { pullThrough, type StageController } from '../../platform/streams/index.ts';
import { gatewayErrors } from './gateway.errors.ts';
import type { ResilienceSettings } from './gateway-settings.ts';
import type { LanguageDeployment, Route } from './registry/model-registry.ts';
import type { AttemptSignal } from './resilience/attempt-signal.ts';
import { runCallLoop } from './resilience/call-loop.ts';
import type { Admission } from './resilience/deployment-health.ts';
import { classifyFailure, type Failure, UpstreamStreamError } from './resilience/failure.ts';
import { type CallFacts, currentCallFacts, newCallFacts } from './usage/call-facts.ts';

// Stream parts that carry no output: a stream may fail over to another deployment until something else arrives.
const FRAMING_PARTS = new Set<LanguageModelV4StreamPart['type']>([
  'stream-start',
  'response-metadata',
  'text-start',
  'reasoning-start',
  'text-end',
  'reasoning-end',
  'tool-input-end',
  'raw',
  'ping',
]);

interface FirstToken {
  readonly result: LanguageModelV4StreamResult;
  readonly reader: ReadableStreamDefaultReader<LanguageModelV4StreamPart>;
  readonly held: LanguageModelV4StreamPart[];
  readonly finished: boolean;
}

/**
 * A route as one AI SDK model: each call runs Keel's retry loop over the route's deployments and
 * fallbacks (see runCallLoop). A stream is held back until its first output part, so every failure before
 * it (error status, hang, malformed or error-carrying first event) can still be retried or failed over and
 * reaches the caller as an error status; after it, a failure becomes an `error` part followed by a
 * `finish` with reason `error`, never a clean end. The model reports the route's primary deployment as
 * its provider and id; `providerMetadata.keel` says which deployment actually served.
 */
export class RoutedLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider: string;
  readonly modelId: string;
  readonly #route: Route<LanguageDeployment>;
  readonly #settings: ResilienceSettings;

  constructor(route: Route<LanguageDeployment>, settings: ResilienceSettings) {
    this.#route = route;
    this.#settings = settings;
    this.provider = route.primary.provider;
    this.modelId = route.primary.modelId;
  }

  get route(): string {
    return this.#route.name;
  }

  get supportedUrls(): LanguageModelV4['supportedUrls'] {
    return this.#route.primary.model.supportedUrls;
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const facts = currentCallFacts() ?? newCallFacts(this.#route.name);
    const { value, admission, signal } = await runCallLoop({
      groups: this.#route.groups,
      settings: this.#settings,
      callerSignal: options.abortSignal,
      facts,
      attemptTimeoutMs: this.#settings.requestTimeoutMs,
      awaiting: 'response',
      attempt: (deployment, attemptSignal) =>
        Promise.resolve(deployment.model.doGenerate({ ...options, abortSignal: attemptSignal.signal })),
    });
    admission.succeed();
    signal.dispose();
    return value;
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const facts = currentCallFacts() ?? newCallFacts(this.#route.name);
    const started = performance.now();
    const { value, admission, signal } = await runCallLoop({
      groups: this.#route.groups,
      settings: this.#settings,
      callerSignal: options.abortSignal,
      facts,
      attemptTimeoutMs: this.#settings.firstTokenTimeoutMs,
      awaiting: 'first token',
      attempt: (deployment, attemptSignal) => firstToken(deployment, options, attemptSignal),
    });
    facts.timeToFirstTokenMs = Math.round((performance.now() - started) * 100) / 100;
    signal.watchIdle(this.#settings.idleTimeoutMs);
    return {
      ...value.result,
      stream: relay(value, admission, signal, options.abortSignal, facts),
    };
  }
}

/** Starts a stream and reads it up to its first output part (or its finish), holding what came before. */
async function firstToken(
  deployment: LanguageDeployment,
  options: LanguageModelV4CallOptions,
  signal: AttemptSignal,
): Promise<FirstToken> {
  const result = await deployment.model.doStream({ ...options, abortSignal: signal.signal });
  const reader = result.stream.getReader();
  const held: LanguageModelV4StreamPart[] = [];
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) throw new UpstreamStreamError('the stream ended before any output');
      const part = next.value;
      if (part.type === 'error') throw asClassifiable(part.error);
      held.push(part);
      if (part.type === 'finish') return { result, reader, held, finished: true };
      if (!FRAMING_PARTS.has(part.type)) return { result, reader, held, finished: false };
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
}

/** The rest of an upstream stream after its first token, with idle detection and explicit failure. */
function relay(
  first: FirstToken,
  admission: Admission,
  signal: AttemptSignal,
  callerSignal: AbortSignal | undefined,
  facts: CallFacts,
): ReadableStream<LanguageModelV4StreamPart> {
  const { reader } = first;
  let finished = first.finished;
  let settled = false;
  const settle = (failure?: Failure) => {
    if (settled) return;
    settled = true;
    if (failure === undefined) admission.succeed();
    else admission.fail(failure);
    signal.dispose();
  };
  const fail = (controller: StageController<LanguageModelV4StreamPart>, failure: Failure) => {
    settle(failure);
    signal.abort();
    controller.enqueue({ type: 'error', error: failure.error });
    controller.enqueue({
      type: 'finish',
      finishReason: { unified: 'error', raw: undefined },
      usage: unknownUsage(),
      providerMetadata: { keel: { deployment: facts.deployment ?? null } },
    });
    // Cancels the upstream stream and ends this one after the two parts.
    controller.terminate();
  };

  // A pull-based stage: the accounting, telemetry and limits stages join it in one stream (issue 16).
  return pullThrough<LanguageModelV4StreamPart>(reader, {
    start(controller) {
      for (const part of first.held) controller.enqueue(part);
    },
    transform(part, controller) {
      signal.touch();
      if (part.type === 'error') {
        fail(
          controller,
          classifyFailure(asClassifiable(part.error), { callerSignal, attemptTimedOut: false }),
        );
        return;
      }
      if (part.type === 'finish') finished = true;
      controller.enqueue(part);
    },
    flush(controller) {
      if (finished) {
        settle();
        return;
      }
      fail(
        controller,
        classifyFailure(new UpstreamStreamError('the stream ended without finishing'), {
          callerSignal,
          attemptTimedOut: false,
        }),
      );
    },
    error(error, controller) {
      const failure = classifyFailure(error, { callerSignal, attemptTimedOut: signal.timedOut });
      // An abort errors the stream with its own reason; any other failure ends it with explicit parts.
      if (failure.kind === 'aborted') settle(failure);
      else fail(controller, failure);
    },
    cancel(reason) {
      // The consumer went away (client disconnect): stop the upstream call; it says nothing about its health.
      settle({ kind: 'aborted', error: reason, countsAgainstDeployment: false, retryAfterMs: undefined });
      signal.abort(reason);
    },
  });
}

function asClassifiable(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if (error instanceof Error) return error;
  return new UpstreamStreamError(error);
}

function unknownUsage() {
  return {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined },
  };
}

/** The route has no deployment that can serve: say what to configure. */
export function notConfigured(name: string, hint: string): AppError {
  return new AppError(gatewayErrors.MODEL_NOT_CONFIGURED, {
    detail:
      name === 'default'
        ? hint
        : `No usable deployment for "${name}": declare it under models.aliases in keel.config.ts (with a configured provider) or use one of GET /v1/models. ${hint}`,
  });
}
