// Text rules shared by the HTTP edge and the database boundary: what Keel refuses (NUL, lone surrogates)
// and how it makes such text safe where it cannot refuse it (decision 0125).
export { isUnsafeText, safeJson, safeText } from './safe-text.ts';
