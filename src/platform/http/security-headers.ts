import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/** The Content-Security-Policy of every response: the reference page at /docs and the console load only from Keel. */
const CONTENT_SECURITY_POLICY = {
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-inline'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    workerSrc: ["'self'", 'blob:'],
    // Helmet's default would make browsers fetch /docs and /console assets over https, which breaks them
    // on a plain-HTTP deployment; TLS is the reverse proxy's business (docs/deployment.md).
    upgradeInsecureRequests: null,
  },
};

/**
 * Helmet's security headers, computed once. Keel's headers are the same on every response (no CSP nonces,
 * no per-route policy), so running helmet's middleware chain per request (two hooks and a dozen header
 * writers) buys nothing; this asks helmet once, at start, what it would set and which headers it would
 * remove, and the server applies that in one hook.
 */
export function securityHeaders(): {
  readonly set: Readonly<Record<string, string>>;
  readonly removed: readonly string[];
} {
  const set: Record<string, string> = {};
  const removed: string[] = [];
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return response;
    },
    removeHeader(name: string) {
      removed.push(name.toLowerCase());
    },
    getHeader: () => undefined,
  };
  let finished = false;
  helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY })(
    { headers: {} } as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
      finished = true;
    },
  );
  // Helmet's middleware is synchronous; if a future version is not, fail at start rather than serve without headers.
  if (!finished || Object.keys(set).length === 0)
    throw new Error('helmet did not produce its headers synchronously');
  return { set: Object.freeze(set), removed: Object.freeze(removed) };
}
