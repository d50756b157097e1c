import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, platformErrors } from '../errors/index.ts';
import { sendProblem } from './error-handler.ts';

/**
 * Open mode (no KEEL_ADMIN_KEY, bound to loopback) trusts whoever reaches the port. Browsers reach it
 * too: a web page can send requests to 127.0.0.1 (cross-site requests), or rebind its own host name to
 * 127.0.0.1 and talk to Keel as a same-origin page (DNS rebinding). So in open mode a request must name a
 * loopback host (`Host`), and a browser request must come from Keel's own origin (or an origin listed
 * in KEEL_CORS_ORIGINS): no other `Origin`, and no `Sec-Fetch-Site: cross-site`.
 */
export function installLoopbackGuard(
  app: FastifyInstance,
  options: { readonly allowedOrigins: readonly string[] },
): void {
  const allowedOrigins = new Set(options.allowedOrigins.filter((origin) => origin !== '*'));
  app.addHook('onRequest', async (request, reply) => {
    const refusal = refusalOf(request, allowedOrigins);
    if (refusal === undefined) return;
    sendProblem(reply, refusal, request);
    return reply;
  });
}

function refusalOf(request: FastifyRequest, allowedOrigins: ReadonlySet<string>): AppError | undefined {
  const host = request.headers.host;
  if (host === undefined || !isLoopbackHost(host)) {
    return new AppError(platformErrors.REQUEST_HOST_NOT_ALLOWED, {
      detail: `Host ${JSON.stringify(host ?? '')} is not a loopback name; without KEEL_ADMIN_KEY Keel answers only localhost, 127.0.0.1 and [::1].`,
    });
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins.has(origin) && !isOwnOrigin(origin, host)) {
    return new AppError(platformErrors.REQUEST_CROSS_ORIGIN_REFUSED, {
      detail: `Requests from ${JSON.stringify(origin)} are refused: without KEEL_ADMIN_KEY only Keel's own pages (and KEEL_CORS_ORIGINS) may call it.`,
    });
  }
  if (
    request.headers['sec-fetch-site'] === 'cross-site' &&
    (origin === undefined || !allowedOrigins.has(origin))
  ) {
    return new AppError(platformErrors.REQUEST_CROSS_ORIGIN_REFUSED, {
      detail:
        "Cross-site browser requests are refused: without KEEL_ADMIN_KEY only Keel's own pages may call it.",
    });
  }
  return undefined;
}

/** `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host.trim().toLowerCase());
  if (name === undefined) return false;
  if (name === 'localhost' || name.endsWith('.localhost')) return /^[a-z0-9.-]+$/.test(name);
  if (name === '[::1]') return true;
  return (
    /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(name) &&
    name.split('.').every((part) => Number(part) <= 255)
  );
}

/** The host name of a `Host` value (`name[:port]` or `[v6][:port]`); undefined when it is malformed. */
function hostName(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host);
  return match?.[1];
}

/** The origin of a page Keel itself served at this host (the console): `http(s)://<host>`. */
function isOwnOrigin(origin: string, host: string): boolean {
  const normalised = host.trim().toLowerCase();
  return origin.toLowerCase() === `http://${normalised}` || origin.toLowerCase() === `https://${normalised}`;
}
