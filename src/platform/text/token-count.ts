type Tokenizer = typeof import('gpt-tokenizer');

let loading: Promise<Tokenizer> | undefined;
let loaded: Tokenizer | undefined;

/**
 * Loads gpt-tokenizer (o200k_base, the GPT-4o/GPT-5 vocabulary) once, in the background, on the first count:
 * importing it costs ~200 ms and ~60 MB of resident memory, which neither start-up nor an idle process should
 * pay (issue 16). Until it is loaded, counts fall back to ~4 characters a token. Limits and usage accounting
 * share this one loader.
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

/** Tokens of a text now: exact once the tokenizer is loaded, an estimate (and the load started) before. */
export function countTokensNow(text: string): number {
  if (text === '') return 0;
  if (loaded) return loaded.countTokens(text);
  loadTokenizer().catch(() => {
    // A tokenizer that cannot load leaves the estimate in place; nothing else depends on it.
    loading = undefined;
  });
  return Math.ceil(text.length / 4);
}
