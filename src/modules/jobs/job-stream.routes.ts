import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses, SseWriter } from '../../platform/http/index.ts';
import { presentEvent } from './job.presenter.ts';
import type { JobEvent, JobRecord } from './job.types.ts';
import { isTerminal } from './job.types.ts';
import type { FollowEnd, JobEventFeed } from './job-event-feed.ts';
import { jobErrors } from './jobs.errors.ts';
import type { JobService } from './jobs.service.ts';

export interface JobStreamRoutesOptions {
  readonly service: JobService;
  readonly feed: JobEventFeed;
  /** Comment lines on idle SSE streams, so proxies keep them open. */
  readonly keepAliveMs?: number;
}

/** Where a pair of follow routes lives: `<base>/events` (SSE) and `<base>/ws`. */
export interface JobFollowRoutesOptions extends JobStreamRoutesOptions {
  /** The job's URL with its id parameter, e.g. `/v1/analyses/:job_id`. */
  readonly base: string;
  /** The name of the id parameter in `base`. */
  readonly param: string;
  /** Only jobs of this capability are found here (others answer 404). */
  readonly capability?: string;
  readonly scope: string;
  readonly tag: string;
  readonly operationIds: { readonly events: string; readonly websocket: string };
}
const afterQuery = z
  .object({
    after: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Resume after this event id (for clients that cannot send `Last-Event-ID`).'),
  })
  .strict();

/** How SSE and WebSocket end on shutdown: clients reconnect (to any process) with their last event id. */
const RECONNECT_MS = 1_000;

/** `GET /v1/jobs/{id}/events` (Server-Sent Events) and `GET /v1/jobs/{id}/ws` (WebSocket). */
export async function registerJobStreamRoutes(
  app: HttpServer,
  options: JobStreamRoutesOptions,
): Promise<void> {
  const fastify = app as unknown as FastifyInstance;
  // Before the WebSocket plugin's own hook, so our clients get a proper close code first.
  fastify.addHook('preClose', async () => options.feed.close());
  if (!fastify.hasPlugin('@fastify/websocket')) await fastify.register(websocket);
  registerJobFollowRoutes(app, {
    ...options,
    base: '/v1/jobs/:id',
    param: 'id',
    scope: 'jobs:read',
    tag: 'Jobs',
    operationIds: { events: 'streamJobEvents', websocket: 'followJobEvents' },
  });
}

/**
 * The SSE and WebSocket follow routes of jobs under another URL, for a product route built on jobs (the
 * `analysis` workflow's `GET /v1/analyses/{job_id}/ws`, say). Call after `registerJobStreamRoutes`.
 */
export function registerJobFollowRoutes(app: HttpServer, options: JobFollowRoutesOptions): void {
  const { service, feed, param } = options;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const idParams = z.object({ [param]: z.uuid() });
  const find = async (request: FastifyRequest): Promise<JobRecord> => {
    const id = (request.params as Record<string, string>)[param] ?? '';
    const job = await service.get(request.tenantId, id);
    if (options.capability !== undefined && job.capability !== options.capability) {
      throw new AppError(jobErrors.JOB_NOT_FOUND, { detail: `No ${options.capability} job ${id}.` });
    }
    return job;
  };

  app.get(
    `${options.base}/events`,
    {
      config: { scope: options.scope, stream: true },
      schema: {
        operationId: options.operationIds.events,
        summary: "Follow a job's events (Server-Sent Events)",
        description:
          'Replays the events after `Last-Event-ID` (or `after`, or from the start), then follows live until the job ends. Each event has `id:` (1, 2, 3... per job), `event:` (its type) and `data:` (a `JobEvent`). Reconnecting with the last id seen gives the rest: no gap, no duplicate. A `stream-closing` event (no id) means this server is shutting down: reconnect.',
        tags: [options.tag],
        params: idParams,
        querystring: afterQuery,
        headers: z.looseObject({
          'last-event-id': z
            .string()
            .regex(/^\d{1,10}$/)
            .optional()
            .describe('The id of the last event received.'),
        }),
        response: {
          200: {
            description: 'An event stream of `JobEvent`s.',
            content: { 'text/event-stream': { schema: z.string() } },
          },
          ...problemResponses({
            400: 'A header or query parameter is not valid.',
            404: 'No such job for your tenant.',
          }),
        },
      },
    },
    async (request, reply) => {
      const job = await find(request);
      const header = request.headers['last-event-id'];
      const after = header === undefined ? (request.query.after ?? 0) : Number(header);
      const sse = new SseWriter(reply, { keepAliveMs, preamble: `retry: ${RECONNECT_MS}\n\n` });
      sse.start();
      const end = await followAfter(
        feed,
        request.tenantId,
        job,
        after,
        (events) => writeEvents(sse, events),
        sse.signal,
      );
      sse.end(
        end === 'shutdown'
          ? { event: 'stream-closing', data: { reason: 'shutdown', reconnect_ms: RECONNECT_MS } }
          : undefined,
      );
    },
  );

  app.route({
    method: 'GET',
    url: `${options.base}/ws`,
    config: { scope: options.scope, stream: true },
    schema: {
      operationId: options.operationIds.websocket,
      summary: "Follow a job's events (WebSocket)",
      description:
        'Upgrade to a WebSocket: each message is one `JobEvent` as JSON, in order, starting after `after` (or from the start). The server closes with 1000 after the job ends, 1001 when shutting down (reconnect with `after` = the last id), 1011 on an error. Without an upgrade this route answers 426.',
      tags: [options.tag],
      params: idParams,
      querystring: afterQuery,
      response: {
        101: z.null().describe('Switching to the WebSocket protocol; `JobEvent` messages follow.'),
        ...problemResponses({
          400: 'A query parameter is not valid.',
          404: 'No such job for your tenant.',
          426: 'The request did not ask for a WebSocket upgrade (`JOB_WEBSOCKET_UPGRADE_REQUIRED`).',
        }),
      },
    },
    // Runs before the upgrade: a missing job is an HTTP 404, not an opened-then-closed socket.
    preHandler: async (request: FastifyRequest) => {
      (request as unknown as { job: JobRecord }).job = await find(request);
    },
    handler: async () => {
      throw new AppError(jobErrors.JOB_WEBSOCKET_UPGRADE_REQUIRED);
    },
    wsHandler: async (socket: WebSocket, request: FastifyRequest) => {
      const job = (request as unknown as { job: JobRecord }).job;
      const after = (request.query as { after?: number }).after ?? 0;
      const controller = new AbortController();
      socket.once('close', () => controller.abort());
      socket.on('error', () => controller.abort());
      try {
        const end = await followAfter(
          feed,
          request.tenantId,
          job,
          after,
          (events) => sendEvents(socket, events),
          controller.signal,
        );
        if (end === 'finished') socket.close(1000, 'job finished');
        else if (end === 'shutdown') socket.close(1001, 'server shutting down');
        else if (end === 'gone') socket.close(1000, 'job gone');
      } catch {
        socket.close(1011, 'internal error');
      }
    },
  } as never);
}

/** Nothing will follow: the job is terminal and the client has its last event already. */
/** Follows a job's events after `after`, or reports it finished when nothing after that can come. */
function followAfter(
  feed: JobEventFeed,
  tenantId: string,
  job: JobRecord,
  after: number,
  deliver: (events: readonly JobEvent[]) => Promise<void>,
  signal: AbortSignal,
): Promise<FollowEnd> {
  if (isTerminal(job.status) && after >= job.lastEventId) return Promise.resolve('finished');
  return feed.follow(tenantId, job.id, after, deliver, signal);
}

/** Writes a batch of events; resolves once the client has room for more (one that leaves releases it). */
function writeEvents(sse: SseWriter, events: readonly JobEvent[]): Promise<void> {
  let room: Promise<void> = Promise.resolve();
  for (const event of events)
    room = sse.write({ id: event.id, event: event.type, data: presentEvent(event) });
  return room;
}

function sendEvents(socket: WebSocket, events: readonly JobEvent[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = events.length;
    if (pending === 0) return resolve();
    for (const event of events) {
      socket.send(JSON.stringify(presentEvent(event)), (error) => {
        if (error) reject(error);
        else if (--pending === 0) resolve();
      });
    }
  });
}
