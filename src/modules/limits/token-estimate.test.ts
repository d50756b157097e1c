import { describe, expect, it } from 'vitest';
import { estimateInputTokens, loadTokenizer } from './token-estimate.ts';

describe('estimateInputTokens', () => {
  it('counts every message, text part, tool call and tool definition with the tokenizer once loaded', async () => {
    await loadTokenizer();
    const base = estimateInputTokens({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }],
    });
    expect(base).toBe(4 + 2);
    const richer = estimateInputTokens({
      prompt: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello there' }] },
        {
          role: 'assistant',
          content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: '{"city":"Paris"}' }],
        },
      ],
      tools: [{ type: 'function', name: 'weather', inputSchema: { type: 'object' } }],
    });
    expect(richer).toBeGreaterThan(base + 12);
  });
});
