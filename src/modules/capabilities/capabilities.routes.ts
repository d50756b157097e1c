import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import {
  batchBodySchema,
  batchResponseSchema,
  type CapabilityBatchSettings,
  DEFAULT_BATCH_SETTINGS,
  runBatch,
} from './capability-batch.ts';
import type { CapabilityInvoker, InvocationScope } from './capability-invoker.ts';
import {
  type CapabilityStreamSettings,
  DEFAULT_STREAM_HEARTBEAT_MS,
  streamEventSchema,
  streamInvocation,
  wantsStream,
} from './capability-stream.ts';
import type { AnyCapability } from './define-capability.ts';

/** How streamed and batch calls behave; each part takes its defaults when unset. */
export interface CapabilityCallSettings {
  /** Streamed calls (`Accept: text/event-stream`): heartbeat interval. */
  readonly stream?: CapabilityStreamSettings;
  /** `POST /v1/<name>/batch`: most items per batch and items run at once. */
  readonly batch?: CapabilityBatchSettings;
}

export interface CapabilityRoutesOptions extends CapabilityCallSettings {
  readonly capabilities: readonly AnyCapability[];
  readonly invoker: CapabilityInvoker;
  /** The server's shutdown deadline (`ShutdownGate.deadline`): streams still running then end with `error`. */
  readonly shutdown?: AbortSignal;
}

/**
 * For every registered capability: `POST /v1/<name>` (sync JSON, or Server-Sent Events with
 * `Accept: text/event-stream`) and `POST /v1/<name>/batch`. Validated input, validated output, documented.
 */
export function registerCapabilityRoutes(app: HttpServer, options: CapabilityRoutesOptions): void {
  const stream = options.stream ?? { heartbeatMs: DEFAULT_STREAM_HEARTBEAT_MS };
  const batch = options.batch ?? DEFAULT_BATCH_SETTINGS;
  for (const capability of options.capabilities) {
    nameSchemas(capability);
    // Workflows too long for one HTTP exchange are served only as jobs (modules/jobs).
    if (capability.sync === false) continue;
    const schemas = derivedSchemas(capability);
    app.post(
      `/v1/${capability.name}`,
      {
        config: { scope: `capability:${capability.name}`, stream: 'when-accepted' },
        schema: {
          operationId: camelCase(capability.name),
          summary: capability.summary,
          description: `${capability.description}\n\nWith \`Accept: text/event-stream\` the answer is a stream of Server-Sent Events instead: \`text-delta\` / \`object-delta\` while it runs, then \`usage\` and \`done\` (the output, as below) or \`usage\` and \`error\` (the problem document's fields). Errors found before the stream starts (validation, limits) are ordinary problem responses. See docs/capabilities.md.\n\nContract version ${capability.version}.`,
          tags: ['Capabilities'],
          body: capability.input,
          response: {
            200: {
              description: 'The validated output, or (`Accept: text/event-stream`) its event stream.',
              content: {
                'application/json': { schema: capability.output },
                'text/event-stream': { schema: schemas.streamEvent },
              },
            },
            ...problemResponses({
              400: 'The body breaks the input schema (`REQUEST_VALIDATION_FAILED`, with field errors) or is not JSON.',
              413: 'The body is larger than the configured limit.',
              415: 'The body is not `application/json`.',
              429: 'The model provider is rate limiting (`GATEWAY_RATE_LIMITED`).',
              502: 'The model provider failed or returned output that breaks the contract.',
              503: 'No model is configured (`MODEL_NOT_CONFIGURED`) or the service is shutting down.',
              504: 'The model provider did not answer in time.',
            }),
          },
        },
      },
      async (request, reply) => {
        const routing = routeVariant(request, reply, capability, options.invoker);
        if (wantsStream(request))
          return streamInvocation(
            request,
            reply,
            capability,
            options.invoker,
            stream,
            options.shutdown,
            routing,
          );
        // A response closed before it finished means the client went away: stop paying for the model call.
        const controller = new AbortController();
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) controller.abort();
        });
        return options.invoker.invoke(capability, request.body, {
          requestId: request.id,
          tenantId: request.tenantId,
          signal: controller.signal,
          logger: request.log,
          ...routing,
        });
      },
    );
    app.post(
      `/v1/${capability.name}/batch`,
      {
        config: { scope: `capability:${capability.name}` },
        schema: {
          operationId: `${camelCase(capability.name)}Batch`,
          summary: `${capability.summary} (batch)`,
          description: `Runs \`POST /v1/${capability.name}\` for 1 to ${batch.maxItems} inputs, ${batch.concurrency} at a time, and answers one result per item in input order: \`succeeded\` with its output, or \`failed\` with the problem document the sync call would have answered (a bad item gets its own field errors; the others still run). Never all-or-nothing. A client that disconnects cancels the items still running.`,
          tags: ['Capabilities'],
          body: schemas.batchBody(batch.maxItems),
          response: {
            200: schemas.batchResult,
            ...problemResponses({
              400: `The body is not \`{ items: [...] }\` with 1 to ${batch.maxItems} items (\`REQUEST_VALIDATION_FAILED\`), or is not JSON.`,
              413: 'The body is larger than the configured limit.',
              415: 'The body is not `application/json`.',
            }),
          },
        },
      },
      async (request, reply) => runBatch(request, reply, capability, options.invoker, batch),
    );
  }
}

/** The header a caller names its end user (or session) with, for a sticky canary; the key id otherwise. */
export const SUBJECT_HEADER = 'keel-subject';
/** The header every routed response names its variant in (`summarize@3`). */
export const VARIANT_HEADER = 'keel-variant';

/**
 * Chooses the call's variant before anything is sent (so a stream's headers carry it too), names it in
 * `keel-variant`, and defers shadows until the response has gone.
 */
function routeVariant(
  request: FastifyRequest,
  reply: FastifyReply,
  capability: AnyCapability,
  invoker: CapabilityInvoker,
): Pick<InvocationScope, 'variant' | 'afterResponse'> {
  const header = request.headers[SUBJECT_HEADER];
  const subject = typeof header === 'string' && header.length > 0 ? header.slice(0, 256) : undefined;
  const choice = invoker.chooseVariant(capability, subject);
  if (choice === undefined) return {};
  if (choice.variant) reply.header(VARIANT_HEADER, choice.variant.id);
  return {
    variant: choice,
    afterResponse: (work) => {
      if (reply.raw.closed) setImmediate(work);
      else reply.raw.once('close', work);
    },
  };
}

interface DerivedSchemas {
  readonly streamEvent: z.ZodType;
  readonly batchResult: z.ZodType;
  batchBody(maxItems: number): z.ZodType;
}

const derived = new WeakMap<AnyCapability, DerivedSchemas>();

/** Schemas built from a capability's, made once: their component names may be registered only once. */
function derivedSchemas(capability: AnyCapability): DerivedSchemas {
  let schemas = derived.get(capability);
  if (schemas === undefined) {
    const base = pascalCase(capability.name);
    schemas = {
      streamEvent: streamEventSchema(capability, base),
      batchResult: batchResponseSchema(capability, base),
      batchBody: (maxItems) => batchBodySchema(capability.name, maxItems),
    };
    derived.set(capability, schemas);
  }
  return schemas;
}

/** Gives each capability's schemas a component name in the OpenAPI document, unless they have one. */
function nameSchemas(capability: AnyCapability): void {
  const base = pascalCase(capability.name);
  for (const [schema, suffix] of [
    [capability.input, 'Input'],
    [capability.output, 'Output'],
  ] as const) {
    const meta = z.globalRegistry.get(schema) ?? {};
    const examples =
      suffix === 'Input' && capability.examples && !meta.examples
        ? { examples: capability.examples.map((example) => example.input) }
        : {};
    if (meta.id === undefined || Object.keys(examples).length > 0) {
      z.globalRegistry.add(schema, { ...meta, id: meta.id ?? `${base}${suffix}`, ...examples });
    }
  }
}

function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
}
