import { describe, expect, it } from 'vitest';
import { countTokens } from '../gateway/index.ts';
import type { MessageRecord } from './conversation.ts';
import { selectWindow } from './memory-window.ts';

function history(...contents: string[]): MessageRecord[] {
  return contents.map((content, index) => ({
    position: index + 1,
    role: index % 2 === 0 ? 'user' : 'assistant',
    content,
    requestId: `r${Math.floor(index / 2)}`,
    model: null,
    usage: null,
    createdAt: new Date(0),
  }));
}

const contents = (messages: MessageRecord[]) => messages.map((message) => message.content);

describe('selectWindow', () => {
  it('keeps the last N messages, never starting with a reply', async () => {
    const messages = history('u1', 'a1', 'u2', 'a2', 'u3', 'a3');
    expect(contents(await selectWindow(messages, { maxMessages: 4, maxTokens: 10_000 }, ['new']))).toEqual([
      'u2',
      'a2',
      'u3',
      'a3',
    ]);
    expect(contents(await selectWindow(messages, { maxMessages: 3, maxTokens: 10_000 }, ['new']))).toEqual([
      'u3',
      'a3',
    ]);
    expect(await selectWindow(messages, { maxMessages: 0, maxTokens: 10_000 }, ['new'])).toEqual([]);
  });

  it('drops the oldest messages until the system prompt, the window and the new message fit the budget', async () => {
    const long = 'word '.repeat(100).trim();
    const messages = history(long, long, 'u2', 'a2');
    const perMessage = (await countTokens(long)) + 3;
    const small = (await countTokens('u2')) + 3 + (await countTokens('a2')) + 3;
    const fixed = ['system', 'new'];
    const fixedCost = (await countTokens('system')) + 3 + (await countTokens('new')) + 3;
    // Exactly enough for the recent pair and one long message: the long reply fits, but a window may not
    // start with a reply, so only the recent pair is sent.
    const budget = fixedCost + small + perMessage;
    expect(contents(await selectWindow(messages, { maxMessages: 10, maxTokens: budget }, fixed))).toEqual([
      'u2',
      'a2',
    ]);
    expect(
      contents(await selectWindow(messages, { maxMessages: 10, maxTokens: budget + perMessage }, fixed)),
    ).toEqual([long, long, 'u2', 'a2']);
    expect(await selectWindow(messages, { maxMessages: 10, maxTokens: fixedCost + 1 }, fixed)).toEqual([]);
  });
});
