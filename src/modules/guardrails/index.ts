// Guardrails: what Keel checks in text before a model or a client sees it. So far the offline detection of
// personal data (validated by checksums where they exist) and its reversible redaction (issue 19).
export { IBAN_LENGTHS, passesIbanChecksum, passesLuhn, passesSpanishIdLetter } from './pii/checksums.ts';
export { detectPii, PII_TYPES, type PiiSpan, type PiiType } from './pii/pii-detector.ts';
export { type Redaction, redact, restore } from './pii/redaction.ts';
