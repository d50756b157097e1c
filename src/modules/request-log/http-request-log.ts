import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/index.ts';
import { currentRequestContext, PUBLIC_SCOPE, type RequestContext } from '../../platform/http/index.ts';
import { secretRedactor } from '../../platform/logging/index.ts';
import type { RequestRecord } from './request-log.port.ts';

export interface HttpRequestLogOptions {
  readonly writer: { write(record: RequestRecord): void };
  /** Keep request bodies and capability outputs (always with secrets redacted). */
  readonly bodies: boolean;
  /** Larger bodies are stored as a note of their size. */
  readonly maxBodyBytes?: number;
  readonly redactor?: { redactValue<T>(value: T): T };
}

interface Pending {
  invocation: RequestRecord | undefined;
  errorCode: string | undefined;
  handlerDone: boolean;
  closed: boolean;
  written: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** How long a request whose client went away may still take to finish its handler before it is logged anyway. */
const ABORT_GRACE_MS = 30_000;

/**
 * Writes one request-log record per authenticated request, on every route but the public ones and those
 * that opt out (`config.requestLog: false`). A capability invocation during the request is merged into
 * that record (input, output, usage, outcome); invocations outside HTTP (jobs) are written as they come.
 * Model usage and cost come from the request context, which the model-call middleware fills.
 */
export class HttpRequestLog {
  readonly #options: HttpRequestLogOptions;
  readonly #pending = new WeakMap<RequestContext, Pending>();
  readonly #maxBodyBytes: number;
  readonly #redactor: { redactValue<T>(value: T): T };

  constructor(options: HttpRequestLogOptions) {
    this.#options = options;
    this.#maxBodyBytes = options.maxBodyBytes ?? 65_536;
    this.#redactor = options.redactor ?? secretRedactor;
  }

  install(app: FastifyInstance): void {
    // A streaming route takes its response over (the SSE writer hijacks it), so no `onSend` says its
    // handler is done: its handler resolving does, and a client that left is then logged at once.
    const handlerDone = (request: FastifyRequest, reply: FastifyReply) => this.#handlerDone(request, reply);
    app.addHook('onRoute', (route) => {
      if (route.config?.stream === undefined || route.config.stream === false) return;
      const handler = route.handler;
      route.handler = async function (this: FastifyInstance, request, reply) {
        try {
          return await handler.call(this, request, reply);
        } finally {
          if (reply.sent) handlerDone(request, reply);
        }
      };
    });
    app.addHook('onRequest', async (request, reply) => {
      const config = request.routeOptions.config;
      if (
        request.routeOptions.url === undefined ||
        config.requestLog === false ||
        config.scope === PUBLIC_SCOPE
      ) {
        return;
      }
      const pending: Pending = {
        invocation: undefined,
        errorCode: undefined,
        handlerDone: false,
        closed: false,
        written: false,
        timer: undefined,
      };
      this.#pending.set(request.context, pending);
      reply.raw.once('close', () => {
        if (reply.raw.writableFinished || pending.written) return;
        // The client went away: log once the handler has finished (its outcome is in the record).
        pending.closed = true;
        if (pending.handlerDone) this.#finish(request, reply, true);
        else {
          pending.timer = setTimeout(() => this.#finish(request, reply, true), ABORT_GRACE_MS);
          pending.timer.unref();
        }
      });
    });
    app.addHook('onError', async (request, _reply, error) => {
      const pending = this.#pending.get(request.context);
      if (pending) pending.errorCode = error instanceof AppError ? error.code : 'INTERNAL_ERROR';
    });
    app.addHook('onSend', async (request, reply, payload) => {
      this.#handlerDone(request, reply);
      return payload;
    });
    app.addHook('onResponse', async (request, reply) => {
      this.#finish(request, reply, false);
    });
  }

  /** The capability invoker's `record`: merged into the HTTP request's record, or written directly outside HTTP. */
  readonly recordInvocation = (record: RequestRecord): void => {
    const context = currentRequestContext();
    const pending = context ? this.#pending.get(context) : undefined;
    if (pending && !pending.written && context?.requestId === record.id) {
      pending.invocation = record;
      return;
    }
    this.#options.writer.write({
      ...record,
      apiKeyId: record.apiKeyId ?? context?.keyId ?? null,
      costUsd: record.costUsd ?? context?.usage.costUsd ?? 0,
      traceId: record.traceId ?? context?.traceId ?? null,
      input: this.#body(record.input),
      output: this.#body(record.output),
    });
  };

  #handlerDone(request: FastifyRequest, reply: FastifyReply): void {
    const pending = this.#pending.get(request.context);
    if (pending) {
      pending.handlerDone = true;
      if (pending.closed) this.#finish(request, reply, true);
    }
  }

  #finish(request: FastifyRequest, reply: FastifyReply, aborted: boolean): void {
    const context = request.context;
    const pending = this.#pending.get(context);
    if (!pending || pending.written) return;
    pending.written = true;
    if (pending.timer) clearTimeout(pending.timer);
    // Requests refused before authentication belong to no tenant; they are in the logs and metrics.
    if (!context.authenticated) return;
    const invocation = pending.invocation;
    const usage = context.usage;
    const httpStatus = aborted ? (invocation?.httpStatus ?? 499) : reply.statusCode;
    const elapsedMs = reply.elapsedTime;
    this.#options.writer.write({
      id: request.id,
      tenantId: context.tenantId,
      apiKeyId: context.keyId ?? null,
      method: request.method,
      route: request.routeOptions.url ?? null,
      capability: invocation?.capability ?? null,
      outcome: invocation?.outcome ?? (aborted ? 'aborted' : httpStatus >= 400 ? 'failed' : 'succeeded'),
      httpStatus,
      errorCode: invocation?.errorCode ?? pending.errorCode ?? null,
      models: usage.calls > 0 ? [...usage.models] : [...(invocation?.models ?? [])],
      inputTokens: usage.calls > 0 ? usage.inputTokens : (invocation?.inputTokens ?? 0),
      outputTokens: usage.calls > 0 ? usage.outputTokens : (invocation?.outputTokens ?? 0),
      costUsd: usage.costUsd,
      latencyMs: Math.round(invocation?.latencyMs ?? elapsedMs),
      input: this.#body(invocation ? invocation.input : (request.body ?? null)),
      output: this.#body(invocation?.output ?? null),
      traceId: context.traceId ?? null,
      variant: invocation?.variant ?? null,
      ...(invocation?.guardrails ? { guardrails: invocation.guardrails } : {}),
      createdAt: invocation?.createdAt ?? new Date(Date.now() - elapsedMs),
    });
  }

  #body(value: unknown): unknown {
    if (!this.#options.bodies || value === undefined || value === null) return null;
    const redacted = this.#redactor.redactValue(value);
    const bytes = Buffer.byteLength(JSON.stringify(redacted) ?? '');
    return bytes > this.#maxBodyBytes ? { truncated: true, bytes } : redacted;
  }
}
