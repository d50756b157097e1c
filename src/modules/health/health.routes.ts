import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import {
  type HttpServer,
  PUBLIC_SCOPE,
  problemResponses,
  type ShutdownGate,
} from '../../platform/http/index.ts';

/** A dependency `/readyz` checks. `check` throws (or rejects) when the dependency is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  /** Informational checks are reported but never make the service unready. */
  readonly critical: boolean;
  check(): Promise<Record<string, unknown> | undefined>;
}

const checkResultSchema = z
  .object({
    name: z.string(),
    ok: z.boolean(),
    critical: z.boolean(),
    duration_ms: z.number(),
    details: z.record(z.string(), z.unknown()).optional(),
    /** What is wrong, in words safe to show anyone; the driver's message (hosts, ports) goes to the log. */
    error: z.string().optional(),
  })
  .meta({ id: 'ReadinessCheck' });

const readinessSchema = z
  .object({ status: z.enum(['ready', 'not_ready']), checks: z.array(checkResultSchema) })
  .meta({ id: 'Readiness' });

const CHECK_TIMEOUT_MS = 2_000;

export function registerHealthRoutes(
  app: HttpServer,
  options: {
    readonly checks: readonly ReadinessCheck[];
    readonly shutdownGate: ShutdownGate;
    readonly version: string;
  },
): void {
  app.get(
    '/healthz',
    {
      config: { scope: PUBLIC_SCOPE },
      schema: {
        operationId: 'health',
        summary: 'Liveness: the process is up',
        tags: ['Service'],
        response: { 200: z.object({ status: z.literal('ok'), version: z.string() }).meta({ id: 'Health' }) },
      },
    },
    async () => ({ status: 'ok' as const, version: options.version }),
  );

  app.get(
    '/readyz',
    {
      config: { scope: PUBLIC_SCOPE },
      schema: {
        operationId: 'ready',
        summary: 'Readiness: dependencies are reachable',
        description: 'Checks the database and reports the configured model. 503 when a critical check fails.',
        tags: ['Service'],
        response: { 200: readinessSchema, 503: readinessSchema, ...problemResponses({}) },
      },
    },
    async (request, reply) => {
      const checks = await Promise.all(
        options.checks.map((check) =>
          runCheck(check, (error) =>
            request.log.warn({ err: error, check: check.name }, 'readiness check failed'),
          ),
        ),
      );
      const ready = !options.shutdownGate.draining && checks.every((check) => check.ok || !check.critical);
      reply.code(ready ? 200 : 503);
      return { status: ready ? ('ready' as const) : ('not_ready' as const), checks };
    },
  );
}

async function runCheck(
  check: ReadinessCheck,
  onFailure: (error: unknown) => void,
): Promise<z.output<typeof checkResultSchema>> {
  const started = performance.now();
  try {
    const details = await Promise.race([
      check.check(),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new CheckTimeout(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        ).unref(),
      ),
    ]);
    return {
      name: check.name,
      ok: true,
      critical: check.critical,
      duration_ms: elapsed(started),
      ...(details ? { details } : {}),
    };
  } catch (error) {
    onFailure(error);
    return {
      name: check.name,
      ok: false,
      critical: check.critical,
      duration_ms: elapsed(started),
      error: publicReason(error),
    };
  }
}

/** A catalogued error's title (DATABASE_UNAVAILABLE: "The database is unavailable"), else a fixed phrase. */
function publicReason(error: unknown): string {
  if (error instanceof AppError) return error.definition.title;
  if (error instanceof CheckTimeout) return error.message;
  return 'unavailable (details in the log)';
}

class CheckTimeout extends Error {}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
