import type { LanguageModelV4Prompt } from '@ai-sdk/provider';

type Tokenizer = typeof import('gpt-tokenizer');

let loading: Promise<Tokenizer> | undefined;
let loaded: Tokenizer | undefined;

/**
 * Loads gpt-tokenizer (o200k_base, the GPT-4o/GPT-5 vocabulary) once: importing it costs ~0.3-0.9 s of
 * the main thread, which start-up should not pay, so the first model call loads it (the accounting
 * middleware awaits it), not the gateway's construction. Until it is loaded, counts fall back to ~4
 * characters a token.
 */
export function loadTokenizer(): Promise<Tokenizer> {
  loading ??= import('gpt-tokenizer').then((module) => {
    loaded = module;
    return module;
  });
  return loading;
}

/** Tokens of a text with the tokenizer (awaits it once): for budgets checked before a call. */
export async function countTokens(text: string): Promise<number> {
  return (await loadTokenizer()).countTokens(text);
}

/** Tokens of a text now: exact once the tokenizer is loaded, an estimate before. */
export function countTokensNow(text: string): number {
  if (text === '') return 0;
  if (loaded) return loaded.countTokens(text);
  void loadTokenizer().catch(() => {});
  return Math.ceil(text.length / 4);
}

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
