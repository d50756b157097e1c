// Text rules shared by the HTTP edge and the database boundary: what Keel refuses (NUL, lone surrogates)
// and how it makes such text safe where it cannot refuse it (decision 0125); and the one token counter.
export { isUnsafeText, safeJson, safeText } from './safe-text.ts';
export { countTokens, countTokensNow, loadTokenizer } from './token-count.ts';
