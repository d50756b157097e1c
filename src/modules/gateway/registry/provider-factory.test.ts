import { generateText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../../test/fixtures/fake-openai/index.ts';
import type { ProviderSettings } from '../gateway-settings.ts';
import { LeanChatStreamModel } from './lean-chat-stream.ts';
import { createProvider, loadProviderModules } from './provider-factory.ts';

const settings = (overrides: Partial<ProviderSettings>): ProviderSettings => ({
  name: 'openai',
  kind: 'openai',
  baseUrl: undefined,
  apiKey: 'sk-test',
  headers: {},
  structuredOutputs: true,
  ...overrides,
});

describe('createProvider', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ reply: () => 'hello from chat completions' });
    await loadProviderModules(['openai', 'anthropic']);
  });
  afterAll(async () => fake?.close());

  it('serves OpenAI through chat completions (which compatible servers speak too), with its key', async () => {
    const provider = createProvider(settings({ baseUrl: fake.url, headers: { 'x-team': 'keel' } }));
    const model = provider.languageModel?.('gpt-4o-mini');
    expect(model?.provider).toBe('openai.chat');
    const { text } = await generateText({ model: model as never, prompt: 'hi', maxRetries: 0 });
    expect(text).toBe('hello from chat completions');
    const request = fake.requests.at(-1);
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.headers['x-team']).toBe('keel');
    expect(provider.embeddingModel?.('text-embedding-3-small').modelId).toBe('text-embedding-3-small');
  });

  it('names an OpenAI-compatible server after its provider and asks it for usage in streams', async () => {
    const provider = createProvider(
      settings({ name: 'ollama', kind: 'openai-compatible', baseUrl: fake.url, apiKey: undefined }),
    );
    const model = provider.languageModel?.('llama3.1:8b');
    expect(model?.provider).toBe('ollama.chat');
    const result = await model?.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    const reader = result?.stream.getReader();
    while (!(await reader?.read())?.done) {
      // drain
    }
    expect(fake.requests.at(-1)?.body).toMatchObject({
      model: 'llama3.1:8b',
      stream_options: { include_usage: true },
    });
    expect(fake.requests.at(-1)?.headers.authorization).toBeUndefined();
    // Plain-text streams are read by the lean reader (decision 0206), which sends the provider's user agent.
    expect(model).toBeInstanceOf(LeanChatStreamModel);
    expect(fake.requests.at(-1)?.headers['user-agent']).toMatch(/^ai-sdk-openai-compatible\//);
  });

  it('sends an OpenAI-compatible server its key and configured headers on lean streams too', async () => {
    const provider = createProvider(
      settings({
        name: 'vllm',
        kind: 'openai-compatible',
        baseUrl: `${fake.url}/`,
        headers: { 'x-team': 'keel' },
      }),
    );
    const result = await provider.languageModel?.('m').doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    const reader = result?.stream.getReader();
    while (!(await reader?.read())?.done) {
      // drain
    }
    const request = fake.requests.at(-1);
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.headers['x-team']).toBe('keel');
  });

  it('serves Anthropic through its Messages API, without embeddings', () => {
    const provider = createProvider(settings({ name: 'anthropic', kind: 'anthropic' }));
    expect(provider.languageModel?.('claude-haiku-4-5')).toMatchObject({
      provider: 'anthropic',
      modelId: 'claude-haiku-4-5',
    });
    expect(provider.embeddingModel).toBeUndefined();
  });
});
