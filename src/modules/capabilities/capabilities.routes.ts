import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import type { CapabilityInvoker } from './capability-invoker.ts';
import type { AnyCapability } from './define-capability.ts';

export interface CapabilityRoutesOptions {
  readonly capabilities: readonly AnyCapability[];
  readonly invoker: CapabilityInvoker;
}

/** `POST /v1/<name>` for every registered capability: validated input, validated output, documented. */
export function registerCapabilityRoutes(app: HttpServer, options: CapabilityRoutesOptions): void {
  for (const capability of options.capabilities) {
    nameSchemas(capability);
    // Workflows too long for one HTTP exchange are served only as jobs (modules/jobs).
    if (capability.sync === false) continue;
    app.post(
      `/v1/${capability.name}`,
      {
        config: { scope: `capability:${capability.name}` },
        schema: {
          operationId: camelCase(capability.name),
          summary: capability.summary,
          description: `${capability.description}\n\nContract version ${capability.version}.`,
          tags: ['Capabilities'],
          body: capability.input,
          response: {
            200: capability.output,
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
        });
      },
    );
  }
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
