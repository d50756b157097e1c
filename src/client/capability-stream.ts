/**
 * The events of a streamed capability call (`POST /v1/<name>` with `Accept: text/event-stream`) and a
 * parser for them. Dependency-free: it runs in browsers, Deno, Bun and Node 18+ on a `fetch` body.
 *
 *   const response = await fetch(`${keel}/v1/generate`, {
 *     method: 'POST',
 *     headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
 *     body: JSON.stringify({ user_input: 'Hello' }),
 *   });
 *   for await (const event of parseCapabilityStream(response.body!)) {
 *     if (event.type === 'text-delta') process.stdout.write(event.data.delta);
 *     if (event.type === 'done') console.log(event.data.output);
 *   }
 */

/** A part of a text output, in order; their concatenation is the final text. */
export interface TextDeltaData {
  readonly delta: string;
}

/** The structured output so far: a valid prefix of the final shape (fields may be missing or partial). */
export interface ObjectDeltaData<Partial = unknown> {
  readonly partial: Partial;
}

/** The model usage of the whole call, sent once, just before `done` or `error`. */
export interface UsageData {
  readonly input_tokens: number;
  readonly output_tokens: number;
  /** Model calls made (0 when the local engine served). */
  readonly calls: number;
  /** `provider:model` of each deployment that served, in first-use order. */
  readonly models: readonly string[];
  /** Cost in US dollars from the gateway's price table; null when unpriced. */
  readonly cost_usd: number | null;
}

/** The call failed: the same fields as the problem document a sync call would have answered. Last event. */
export interface ErrorData {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  /** `detail`, or `title` when there is no detail: one line for a person. */
  readonly message: string;
  readonly code: string;
  readonly request_id: string;
  readonly retryable: boolean;
  readonly [extension: string]: unknown;
}

/** A guardrail policy acted on the call (a block is followed by the `error` event). Never carries the text. */
export interface GuardrailData {
  readonly policy: string;
  readonly stage: 'input' | 'retrieved' | 'output';
  readonly action: 'block' | 'redact' | 'flag';
  /** What was found (`email`, `instruction_override`...). */
  readonly kinds: readonly string[];
  readonly count: number;
}

/** The call succeeded: `output` is exactly what the sync call returns. Last event. */
export interface DoneData<Output = unknown> {
  readonly output: Output;
}

interface EventOf<Type extends string, Data> {
  readonly type: Type;
  /** The event's `id:` (1, 2, 3... per response). */
  readonly id: number;
  readonly data: Data;
}

export type CapabilityStreamEvent<Output = unknown> =
  | EventOf<'text-delta', TextDeltaData>
  | EventOf<'object-delta', ObjectDeltaData<unknown>>
  | EventOf<'usage', UsageData>
  | EventOf<'guardrail', GuardrailData>
  | EventOf<'error', ErrorData>
  | EventOf<'done', DoneData<Output>>;

export type CapabilityStreamEventType = CapabilityStreamEvent['type'];

/** The event names a capability stream carries; anything else is skipped by the parser (forward compatible). */
export const CAPABILITY_STREAM_EVENT_TYPES: readonly CapabilityStreamEventType[] = [
  'text-delta',
  'object-delta',
  'usage',
  'guardrail',
  'error',
  'done',
];

/** One Server-Sent Events message, before its data is interpreted. */
export interface ServerSentEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/**
 * Splits a byte stream into Server-Sent Events, per the WHATWG rules: CR, LF or CRLF line ends (even
 * split across chunks), `:` comments (heartbeats) skipped, several `data:` lines joined with `\n`, one
 * leading space after the colon dropped, a UTF-8 BOM at the start ignored. Messages without `data` are
 * skipped; a message cut off at the end of the stream (no blank line) is dropped, as browsers do.
 */
export async function* parseServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  let buffer = '';
  let first = true;
  let pendingCr = false;
  let event = '';
  let id: string | undefined;
  let data: string[] = [];
  try {
    while (true) {
      const { done, value } = await reader.read();
      let text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      // A CR ending the previous chunk already ended its line: a LF starting this one belongs to it.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      if (text.length > 0) pendingCr = text.endsWith('\r');
      buffer += text;
      let start = 0;
      while (true) {
        const cr = buffer.indexOf('\r', start);
        const lf = buffer.indexOf('\n', start);
        const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
        if (end === -1) break;
        const line = buffer.slice(start, end);
        start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1);
        if (line === '') {
          if (data.length > 0) yield { event: event === '' ? 'message' : event, id, data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let fieldValue = colon === -1 ? '' : line.slice(colon + 1);
        if (fieldValue.startsWith(' ')) fieldValue = fieldValue.slice(1);
        if (field === 'data') data.push(fieldValue);
        else if (field === 'event') event = fieldValue;
        else if (field === 'id' && !fieldValue.includes('\0')) id = fieldValue;
      }
      buffer = buffer.slice(start);
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Thrown when the stream carries something that is not a capability event (it is not a Keel stream). */
export class CapabilityStreamError extends Error {
  override readonly name = 'CapabilityStreamError';
}

/**
 * The typed events of a capability stream, in order. Unknown event names are skipped so newer servers
 * stay readable; a known event whose data is not JSON throws `CapabilityStreamError`. The iteration ends
 * after `done` or `error`; a stream that ends without either was cut (check `event.type` of the last).
 */
export async function* parseCapabilityStream<Output = unknown>(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<CapabilityStreamEvent<Output>, void, undefined> {
  for await (const message of parseServerSentEvents(body)) {
    if (!(CAPABILITY_STREAM_EVENT_TYPES as readonly string[]).includes(message.event)) continue;
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      throw new CapabilityStreamError(`event ${message.event} carries data that is not JSON`);
    }
    const id = Number(message.id);
    const event = {
      type: message.event,
      id: Number.isFinite(id) ? id : 0,
      data,
    } as CapabilityStreamEvent<Output>;
    yield event;
    if (event.type === 'done' || event.type === 'error') return;
  }
}
