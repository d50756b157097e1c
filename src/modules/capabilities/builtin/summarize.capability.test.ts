import { afterEach, describe, expect, it } from 'vitest';
import {
  failingModel,
  invokeCollecting,
  streamingModel,
} from '../../../../test/support/builtin-capability-kit.ts';
import { buildTestApp, catalogFor, type TestApp } from '../../../../test/support/test-app.ts';
import { type CapabilityStreamEvent, parseCapabilityStream } from '../../../client/capability-stream.ts';
import { countWords } from '../../../local-engine/index.ts';
import { cutToWords, summarizeCapability } from './summarize.capability.ts';

const TEXT =
  'The keel is the backbone of a sailing boat. It runs along the bottom of the hull from bow to stern. ' +
  'A keel keeps the boat from being pushed sideways by the wind. Heavy keels also carry ballast, which keeps ' +
  'the boat upright. Some small boats use a removable centreboard instead. Racing yachts often have deep, thin ' +
  'fin keels with a bulb of lead at the bottom.';

const MODEL_TEXT =
  'A keel keeps a boat upright and on course. It resists the sideways push of the wind. Small boats use centreboards.';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function post(payload: unknown) {
  if (app === undefined) throw new Error('no app');
  return app.app.inject({ method: 'POST', url: '/v1/summarize', payload: payload as object });
}

describe('POST /v1/summarize on the local engine', () => {
  it('summarises with no model configured, within the sentence bound, reporting the local engine', async () => {
    app = await buildTestApp();
    const response = await post({ text: TEXT, max_sentences: 2 });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.engine).toBe('local');
    expect(body.model).toBe('extractive');
    expect(body.usage).toEqual({ input_tokens: 0, output_tokens: 0 });
    expect(body.key_points.length).toBeGreaterThan(0);
    expect(body.key_points.length).toBeLessThanOrEqual(2);
    expect(body.sentence_count).toBe(body.key_points.length);
    for (const point of body.key_points) expect(TEXT).toContain(point);
    expect(body.word_count).toBe(countWords(body.summary));
  });

  it('writes bullets and never exceeds max_words', async () => {
    app = await buildTestApp();
    const response = await post({ text: TEXT, max_words: 12, style: 'bullets' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.word_count).toBeLessThanOrEqual(12);
    expect(countWords(body.summary)).toBe(body.word_count);
    for (const line of body.summary.split('\n')) expect(line).toMatch(/^- /);
  });

  it.each([
    [{ text: '' }, '/body/text', 'too_small'],
    [{ text: '   ' }, '/body/text', 'too_small'],
    [{}, '/body/text', 'custom'],
    [{ text: 'x'.repeat(200_001) }, '/body/text', 'too_big'],
    [{ text: 'Hi.', max_words: 0 }, '/body/max_words', 'too_small'],
    [{ text: 'Hi.', max_sentences: 1.5 }, '/body/max_sentences', 'invalid_type'],
    [{ text: 'Hi.', style: 'haiku' }, '/body/style', 'invalid_value'],
    [{ text: 'Hi.', model: 'not a model!' }, '/body/model', 'invalid_format'],
    [{ text: 'Hi.', length: 3 }, '/body', 'unrecognized_keys'],
  ])('rejects invalid input #%# with a 400 field error at %s', async (payload, pointer, code) => {
    app = await buildTestApp();
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem.code).toBe('REQUEST_VALIDATION_FAILED');
    expect(problem.errors).toContainEqual(expect.objectContaining({ pointer, code }));
  });
});

describe('POST /v1/summarize on a model', () => {
  it('summarises with the model in one call and cuts the answer to the sentence bound', async () => {
    const model = streamingModel(MODEL_TEXT);
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, max_sentences: 2, focus: 'stability' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      summary: 'A keel keeps a boat upright and on course. It resists the sideways push of the wind.',
      key_points: ['A keel keeps a boat upright and on course.', 'It resists the sideways push of the wind.'],
      sentence_count: 2,
      word_count: 17,
      truncated: true,
      engine: 'model',
      model: 'mock:mock-1',
      usage: { input_tokens: 5, output_tokens: 2 },
    });
    expect(model.doStreamCalls).toHaveLength(0);
    const prompt = JSON.stringify(model.doGenerateCalls[0]?.prompt);
    expect(prompt).toContain('at most 2 sentences');
    expect(prompt).toContain('stability');
    expect(prompt).toContain('backbone of a sailing boat');
  });

  it('emits text-delta parts that are always a prefix of the final, word-bounded summary', async () => {
    const { output, events } = await invokeCollecting(
      summarizeCapability,
      { text: TEXT, max_words: 6 },
      streamingModel(MODEL_TEXT),
      { streaming: true },
    );
    const streamed = events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
    expect(events.length).toBeGreaterThan(1);
    expect(streamed).toBe('A keel keeps a boat upright');
    expect(output).toMatchObject({ summary: 'A keel keeps a boat upright', word_count: 6, truncated: true });
  });

  it('emits the final summary as one text-delta when nobody reads events live', async () => {
    const { output, events } = await invokeCollecting(
      summarizeCapability,
      { text: TEXT, max_words: 6 },
      streamingModel(MODEL_TEXT),
    );
    expect(events).toEqual([{ type: 'text-delta', delta: 'A keel keeps a boat upright' }]);
    expect(output).toMatchObject({ summary: 'A keel keeps a boat upright' });
  });

  it('streams over SSE: text-deltas, then usage, then done with the same output as the sync call', async () => {
    const model = streamingModel(MODEL_TEXT);
    app = await buildTestApp({ model });
    const payload = { text: TEXT, max_sentences: 2 };
    const streamed = await app.app.inject({
      method: 'POST',
      url: '/v1/summarize',
      headers: { accept: 'text/event-stream' },
      payload,
    });
    expect(streamed.headers['content-type']).toMatch(/^text\/event-stream/);
    const events: CapabilityStreamEvent[] = [];
    const body = new Response(streamed.payload).body;
    if (body === null) throw new Error('no body');
    for await (const event of parseCapabilityStream(body)) events.push(event);
    const types = events.map((event) => event.type);
    expect(types.at(-1)).toBe('done');
    expect(types.filter((type) => type === 'text-delta').length).toBeGreaterThan(1);
    const streamedText = events
      .map((event) => (event.type === 'text-delta' ? event.data.delta : ''))
      .join('');
    const sync = (await post(payload)).json();
    expect(events.at(-1)?.data).toEqual({ output: sync });
    expect(streamedText.startsWith(sync.summary)).toBe(true);
  });

  it('fails with CAPABILITY_ABORTED, not a cut-off summary, when the caller goes away mid-stream', async () => {
    const controller = new AbortController();
    const model = streamingModel(MODEL_TEXT, 20);
    const outcome = invokeCollecting(summarizeCapability, { text: TEXT }, model, {
      signal: controller.signal,
      streaming: true,
      onEvent: () => controller.abort(),
    });
    await expect(outcome).rejects.toMatchObject({ code: 'CAPABILITY_ABORTED' });
    expect(model.doStreamCalls[0]?.abortSignal?.aborted).toBe(true);
  });

  it('keeps bullets to max_sentences lines and reads key points from them', async () => {
    app = await buildTestApp({
      model: streamingModel('- Keeps the boat upright\n- Stops drift\n- Carries ballast'),
    });
    const response = await post({ text: TEXT, max_sentences: 2, style: 'bullets' });
    expect(response.json()).toMatchObject({
      summary: '- Keeps the boat upright\n- Stops drift',
      key_points: ['Keeps the boat upright', 'Stops drift'],
      truncated: true,
    });
  });

  it('maps a model failure to the gateway’s problem', async () => {
    app = await buildTestApp({ model: failingModel(429) });
    const response = await post({ text: TEXT });
    expect(response.statusCode).toBe(429);
    expect(response.json()).toMatchObject({ code: 'GATEWAY_RATE_LIMITED' });
  });

  it('runs on the local engine when pinned with model: local, even with a model configured', async () => {
    const model = streamingModel(MODEL_TEXT);
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, model: 'local' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ engine: 'local', usage: { input_tokens: 0, output_tokens: 0 } });
    expect(model.doStreamCalls).toHaveLength(0);
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('runs on the local engine when models.routes.summarize is local', async () => {
    const model = streamingModel(MODEL_TEXT);
    app = await buildTestApp({
      models: catalogFor(model, [], { settings: { routes: { summarize: 'local' } } }),
    });
    const response = await post({ text: TEXT });
    expect(response.json()).toMatchObject({ engine: 'local' });
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('answers 503 MODEL_NOT_CONFIGURED for a model that is not configured', async () => {
    app = await buildTestApp({ model: streamingModel(MODEL_TEXT) });
    const response = await post({ text: TEXT, model: 'nonexistent' });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('MODEL_NOT_CONFIGURED');
  });
});

describe('cutToWords', () => {
  it('keeps whole words, counting like countWords', () => {
    expect(cutToWords('One, two - three four', 3)).toEqual({ text: 'One, two - three', cut: true });
    expect(cutToWords('One two', 3)).toEqual({ text: 'One two', cut: false });
    expect(cutToWords('One two —', 2)).toEqual({ text: 'One two', cut: false });
  });
});
