import autocannon from 'autocannon';

export interface LoadRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface LoadSettings {
  readonly connections: number;
  readonly durationSeconds: number;
}

export interface LoadResult {
  /** Completed requests divided by the measured duration. */
  readonly requestsPerSecond: number;
  /** Milliseconds, 2xx responses only (autocannon records whole milliseconds). */
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly requests: number;
  readonly durationSeconds: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
}

/** Closed-loop load with autocannon: `connections` clients, each sending its next request when the previous one answers. */
export async function runLoad(request: LoadRequest, settings: LoadSettings): Promise<LoadResult> {
  const result = await autocannon({
    url: request.url,
    method: request.method,
    headers: request.headers,
    body: request.body,
    connections: settings.connections,
    duration: settings.durationSeconds,
    timeout: 10,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats)) statusCodes[code] = stat.count;
  return {
    requestsPerSecond: result.duration > 0 ? result.requests.total / result.duration : 0,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    requests: result.requests.total,
    durationSeconds: result.duration,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

/** Why a load run does not count (non-2xx answers, errors), or undefined when it is clean. */
export function loadFailure(result: LoadResult): string | undefined {
  if (result.non2xx === 0 && result.errors === 0 && result.timeouts === 0) return undefined;
  return `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts (status codes ${JSON.stringify(result.statusCodes)})`;
}
