import type { LanguageModelV4Prompt } from '@ai-sdk/provider';

import { countTokensNow, loadTokenizer } from '../../../platform/text/index.ts';

export { countTokens, countTokensNow, loadTokenizer } from '../../../platform/text/index.ts';

// OpenAI's accounting adds a few tokens per message for the role and separators.
const TOKENS_PER_MESSAGE = 3;

/** Input tokens of an AI SDK prompt: its text, tool calls and tool results, plus per-message overhead. */
export function countPromptTokensNow(prompt: LanguageModelV4Prompt): number {
  let total = 0;
  for (const message of prompt) {
    total += TOKENS_PER_MESSAGE;
    if (typeof message.content === 'string') {
      total += countTokensNow(message.content);
      continue;
    }
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          total += countTokensNow(part.text);
          break;
        case 'tool-call':
          total += countTokensNow(part.toolName) + countTokensNow(JSON.stringify(part.input ?? null));
          break;
        case 'tool-result':
          total += countTokensNow(JSON.stringify(part.output ?? null));
          break;
        default:
          break;
      }
    }
  }
  return total;
}

/** Input tokens of an AI SDK prompt with the tokenizer loaded: for budgets checked before a call. */
export async function countPromptTokens(prompt: LanguageModelV4Prompt): Promise<number> {
  await loadTokenizer();
  return countPromptTokensNow(prompt);
}
