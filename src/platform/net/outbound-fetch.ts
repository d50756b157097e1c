import { lookup } from 'node:dns/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { type AddressClass, bareAddress } from './address-class.ts';
import type { OutboundPolicy } from './outbound-policy.ts';

/** Resolves a host name to every address it has (the injected test resolver maps names to anything). */
export type Resolver = (host: string) => Promise<ReadonlyArray<{ readonly address: string }>>;

/** Opens the socket to an already-checked address; tests pass a spy to prove none was opened. */
export type Connector = (target: {
  readonly address: string;
  readonly port: number;
  /** The URL's host name (TLS server name), undefined for an address literal. */
  readonly servername: string | undefined;
  readonly secure: boolean;
}) => Duplex;

/** The request was not sent: its target is not public and not allowed. No connection was opened. */
export class OutboundTargetRefused extends Error {
  override readonly name = 'OutboundTargetRefused';
  readonly reason: AddressClass | 'scheme' | 'unresolvable';
  constructor(reason: OutboundTargetRefused['reason'], options?: ErrorOptions) {
    super(`outbound request refused: the target is ${reason === 'scheme' ? 'not http(s)' : reason}`, options);
    this.reason = reason;
  }
}

export interface OutboundFetchOptions {
  readonly policy: OutboundPolicy;
  readonly resolve?: Resolver;
  readonly connect?: Connector;
}

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

const systemConnector: Connector = ({ address, port, servername, secure }) =>
  secure
    ? tlsConnect({ host: address, port, ...(servername ? { servername } : {}), ALPNProtocols: ['http/1.1'] })
    : netConnect({ host: address, port });

/**
 * A `fetch` for URLs users choose (job webhooks). It resolves the host itself, refuses unless every
 * address it resolves to is allowed by the policy (so a name with one private record is refused), then
 * connects to the checked address, never resolving again: DNS rebinding between the check and the
 * connection cannot redirect it. Address literals (`127.1`, `0x7f000001` and `[::ffff:127.0.0.1]` are
 * normalised by the URL parser) are checked the same way. Redirects are not followed. Supports what
 * webhook delivery needs: method, headers, a string or bytes body, and an abort signal.
 */
export function createOutboundFetch(options: OutboundFetchOptions): typeof fetch {
  const resolve = options.resolve ?? systemResolver;
  const connect = options.connect ?? systemConnector;

  return (async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundTargetRefused('scheme');
    init.signal?.throwIfAborted();
    const host = bareAddress(url.hostname);
    const literal = isIP(host) !== 0;
    let addresses: readonly string[];
    if (literal) addresses = [host];
    else {
      try {
        addresses = (await untilAborted(resolve(host), init.signal)).map((entry) => entry.address);
      } catch (error) {
        if (init.signal?.aborted) throw error;
        throw new OutboundTargetRefused('unresolvable', { cause: error });
      }
    }
    if (addresses.length === 0) throw new OutboundTargetRefused('unresolvable');
    for (const address of addresses) {
      const reason = options.policy.refusal(host, address);
      if (reason !== undefined) throw new OutboundTargetRefused(reason);
    }
    const address = addresses[0] as string;
    const secure = url.protocol === 'https:';
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    const headers = new Headers(init.headers);
    headers.set('host', url.host);
    const body = await bodyOf(init.body);
    if (body !== undefined) headers.set('content-length', String(body.byteLength));
    return send(
      (secure ? httpsRequest : httpRequest)({
        method: init.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        headers: Object.fromEntries(headers),
        createConnection: () =>
          connect({ address, port, servername: literal ? undefined : host, secure }) as never,
        ...(init.signal ? { signal: init.signal } : {}),
      }),
      body,
    );
  }) as typeof fetch;
}

/** A resolution the request's deadline can cut short (the system resolver cannot be cancelled). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function bodyOf(body: RequestInit['body']): Promise<Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  return new Uint8Array(await new Response(body).arrayBuffer());
}

function send(request: ClientRequest, body: Uint8Array | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response: IncomingMessage) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        for (const each of Array.isArray(value) ? value : [value]) headers.append(name, each);
      }
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 599) {
        response.destroy();
        reject(new Error(`unexpected HTTP status ${status}`));
        return;
      }
      const empty = status === 204 || status === 304;
      if (empty) response.resume();
      resolve(
        new Response(empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), {
          status,
          headers,
        }),
      );
    });
    request.end(body);
  });
}
