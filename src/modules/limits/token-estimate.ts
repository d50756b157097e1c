import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { countTokensNow, loadTokenizer as loadSharedTokenizer } from '../../platform/text/index.ts';

/** Tokens a file or image part is assumed to cost before the provider reports the real figure. */
const FILE_PART_TOKENS = 1_000;
/** Role markers and separators each message adds. */
const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * Until the shared tokenizer has loaded (it starts on the first count), four characters count as a token;
 * either way the estimate is settled to the provider's reported usage after the call.
 */
const count = countTokensNow;

/** Resolves once the exact tokenizer is loaded (tests and benchmarks use it to be deterministic). */
export async function loadTokenizer(): Promise<void> {
  await loadSharedTokenizer();
}

/** Estimated input tokens of a model call: every message's text, tool calls and results, and tool definitions. */
export function estimateInputTokens(params: Pick<LanguageModelV4CallOptions, 'prompt' | 'tools'>): number {
  let tokens = 0;
  for (const message of params.prompt) {
    tokens += MESSAGE_OVERHEAD_TOKENS;
    if (typeof message.content === 'string') {
      tokens += count(message.content);
      continue;
    }
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          tokens += count(part.text);
          break;
        case 'file':
        case 'reasoning-file':
          tokens += FILE_PART_TOKENS;
          break;
        default:
          tokens += count(JSON.stringify(part));
      }
    }
  }
  if (params.tools && params.tools.length > 0) tokens += count(JSON.stringify(params.tools));
  return tokens;
}
