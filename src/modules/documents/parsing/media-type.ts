import path from 'node:path';

export const MEDIA_TYPES = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
  json: 'application/json',
} as const;

export type SupportedMediaType = (typeof MEDIA_TYPES)[keyof typeof MEDIA_TYPES];

export const SUPPORTED_MEDIA_TYPES: readonly SupportedMediaType[] = Object.values(MEDIA_TYPES);

const BY_EXTENSION: Readonly<Record<string, SupportedMediaType>> = {
  '.pdf': MEDIA_TYPES.pdf,
  '.docx': MEDIA_TYPES.docx,
  '.html': MEDIA_TYPES.html,
  '.htm': MEDIA_TYPES.html,
  '.xhtml': MEDIA_TYPES.html,
  '.md': MEDIA_TYPES.markdown,
  '.markdown': MEDIA_TYPES.markdown,
  '.mdown': MEDIA_TYPES.markdown,
  '.mkd': MEDIA_TYPES.markdown,
  '.txt': MEDIA_TYPES.text,
  '.text': MEDIA_TYPES.text,
  '.log': MEDIA_TYPES.text,
  '.csv': MEDIA_TYPES.text,
  '.json': MEDIA_TYPES.json,
};

const BY_DECLARED_TYPE: Readonly<Record<string, SupportedMediaType>> = {
  'application/pdf': MEDIA_TYPES.pdf,
  [MEDIA_TYPES.docx]: MEDIA_TYPES.docx,
  'text/html': MEDIA_TYPES.html,
  'application/xhtml+xml': MEDIA_TYPES.html,
  'text/markdown': MEDIA_TYPES.markdown,
  'text/x-markdown': MEDIA_TYPES.markdown,
  'text/plain': MEDIA_TYPES.text,
  'text/csv': MEDIA_TYPES.text,
  'application/json': MEDIA_TYPES.json,
  'text/json': MEDIA_TYPES.json,
};

export interface MediaTypeEvidence {
  /** The part's or request's Content-Type. */
  readonly declared?: string | undefined;
  readonly filename?: string | undefined;
  readonly bytes: Uint8Array;
}

/**
 * What a document is, from its bytes first (a PDF or a Word file says so in its first bytes), then its file
 * extension, then its declared type; text without either is plain text. Undefined means unsupported:
 * binary content that is none of the supported formats (images, archives, old `.doc` files).
 */
export function detectMediaType(evidence: MediaTypeEvidence): SupportedMediaType | undefined {
  const { bytes } = evidence;
  if (startsWith(bytes, '%PDF-')) return MEDIA_TYPES.pdf;
  const byName = evidence.filename ? BY_EXTENSION[path.extname(evidence.filename).toLowerCase()] : undefined;
  const declared = evidence.declared?.split(';')[0]?.trim().toLowerCase();
  const byDeclared = declared ? BY_DECLARED_TYPE[declared] : undefined;
  const claimed = byName ?? byDeclared;
  if (startsWith(bytes, 'PK\u0003\u0004')) {
    // A zip: only a Word document is supported, and it must look like one.
    return claimed === MEDIA_TYPES.docx || containsAscii(bytes, 'word/') ? MEDIA_TYPES.docx : undefined;
  }
  // A file that claims to be a PDF or DOCX but is not stays one, so parsing reports it as damaged.
  if (claimed === MEDIA_TYPES.pdf || claimed === MEDIA_TYPES.docx) return claimed;
  if (looksBinary(bytes)) return undefined;
  if (claimed) return claimed;
  const head = decodeText(bytes.subarray(0, 512)).trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return MEDIA_TYPES.html;
  return MEDIA_TYPES.text;
}

/** UTF-8 (without a BOM), or Windows-1252 for text that is not valid UTF-8. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function startsWith(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.length < prefix.length) return false;
  for (let index = 0; index < prefix.length; index++)
    if (bytes[index] !== prefix.charCodeAt(index)) return false;
  return true;
}

function containsAscii(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(text, 0, 'latin1');
}

/** NUL bytes in the first 8 KiB: no text format has them. */
function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  return head.includes(0);
}
