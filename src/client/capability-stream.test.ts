import { describe, expect, it } from 'vitest';
import {
  CapabilityStreamError,
  type CapabilityStreamEvent,
  parseCapabilityStream,
  parseServerSentEvents,
  type ServerSentEvent,
} from './capability-stream.ts';

const encoder = new TextEncoder();

function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The bytes split in two at `at`, and split into single bytes. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const all: Uint8Array[][] = [];
  for (let at = 0; at <= bytes.length; at++) all.push([bytes.slice(0, at), bytes.slice(at)]);
  all.push(Array.from(bytes, (byte) => Uint8Array.of(byte)));
  return all;
}

// A stream as Keel writes it, plus what the parser must also handle: comments, a multi-byte character
// (split mid-character at some boundary), CRLF line ends, an unknown event and multi-line data.
const KEEL_STREAM = [
  ': stream open',
  '',
  'id: 1',
  'event: text-delta',
  'data: {"delta":"Ké"}',
  '',
  ': keep-alive',
  '',
  'id: 2',
  'event: text-delta',
  'data: {"delta":"el 🚢"}',
  '',
  'id: 3',
  'event: future-event',
  'data: {"ignored":true}',
  '',
  'id: 4',
  'event: object-delta',
  'data: {"partial":',
  'data: {"title":"x"}}',
  '',
  'id: 5',
  'event: usage',
  'data: {"input_tokens":5,"output_tokens":2,"calls":1,"models":["mock:m"],"cost_usd":null}',
  '',
  'id: 6',
  'event: done',
  'data: {"output":{"answer":"Kéel 🚢","status":"ok"}}',
  '',
  '',
];

const EXPECTED: CapabilityStreamEvent[] = [
  { type: 'text-delta', id: 1, data: { delta: 'Ké' } },
  { type: 'text-delta', id: 2, data: { delta: 'el 🚢' } },
  { type: 'object-delta', id: 4, data: { partial: { title: 'x' } } },
  {
    type: 'usage',
    id: 5,
    data: { input_tokens: 5, output_tokens: 2, calls: 1, models: ['mock:m'], cost_usd: null },
  },
  { type: 'done', id: 6, data: { output: { answer: 'Kéel 🚢', status: 'ok' } } },
];

describe('parseCapabilityStream', () => {
  for (const [name, lineEnd] of [
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ] as const) {
    it(`parses the same typed events at every chunk boundary (${name} line ends)`, async () => {
      const bytes = encoder.encode(KEEL_STREAM.join(lineEnd));
      for (const chunks of splits(bytes)) {
        expect(await collect(parseCapabilityStream(streamOf(chunks)))).toEqual(EXPECTED);
      }
    });
  }

  it('stops after the error event, which carries the problem fields', async () => {
    const text =
      'id: 1\nevent: error\ndata: {"type":"urn:keel:error:X","title":"t","status":502,"code":"X","request_id":"r","retryable":true}\n\nid: 2\nevent: done\ndata: {"output":1}\n\n';
    const events = await collect(parseCapabilityStream(streamOf([encoder.encode(text)])));
    expect(events).toEqual([
      {
        type: 'error',
        id: 1,
        data: {
          type: 'urn:keel:error:X',
          title: 't',
          status: 502,
          code: 'X',
          request_id: 'r',
          retryable: true,
        },
      },
    ]);
  });

  it('throws CapabilityStreamError on a known event whose data is not JSON', async () => {
    const text = 'id: 1\nevent: done\ndata: not json\n\n';
    await expect(collect(parseCapabilityStream(streamOf([encoder.encode(text)])))).rejects.toBeInstanceOf(
      CapabilityStreamError,
    );
  });
});

describe('parseServerSentEvents', () => {
  it('follows the SSE rules: BOM, no space after the colon, field without colon, cut last message', async () => {
    const text = '\uFEFFdata:a\ndata\nevent:x\n\nid: 7\ndata: b\n\nretry: 10\n\ndata: cut off';
    for (const chunks of splits(encoder.encode(text))) {
      const events: ServerSentEvent[] = await collect(parseServerSentEvents(streamOf(chunks)));
      expect(events).toEqual([
        { event: 'x', id: undefined, data: 'a\n' },
        { event: 'message', id: '7', data: 'b' },
      ]);
    }
  });
});
