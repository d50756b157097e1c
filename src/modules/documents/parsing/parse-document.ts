import { checkInputSize } from './block-sink.ts';
import type { ParsedDocument } from './blocks.ts';
import { parseDocx } from './docx.parser.ts';
import { parseHtml } from './html.parser.ts';
import { parseJsonDocument } from './json.parser.ts';
import { parseMarkdown } from './markdown.parser.ts';
import { decodeText, MEDIA_TYPES, type SupportedMediaType } from './media-type.ts';
import { DocumentParseError } from './parse-error.ts';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-limits.ts';
import { parsePdf } from './pdf.parser.ts';
import { parsePlainText } from './text.parser.ts';

/**
 * Bytes of a supported type to blocks; throws DocumentParseError with a precise reason, and its subclass
 * DocumentParseLimitError when the document exceeds one of `limits`. Pure: no state kept between calls, no
 * logging, safe to run in a worker thread (the caller owns the wall-clock timeout).
 */
export async function parseDocument(
  bytes: Uint8Array,
  mediaType: SupportedMediaType,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): Promise<ParsedDocument> {
  try {
    return await parseByType(bytes, mediaType, limits);
  } catch (error) {
    // Nesting is bounded before anything recurses; this is the net under a library's own recursion.
    if (error instanceof RangeError && /call stack/i.test(error.message))
      throw new DocumentParseError(
        'The document is nested too deeply to parse (the parser ran out of stack).',
      );
    throw error;
  }
}

async function parseByType(
  bytes: Uint8Array,
  mediaType: SupportedMediaType,
  limits: ParseLimits,
): Promise<ParsedDocument> {
  switch (mediaType) {
    case MEDIA_TYPES.pdf:
      return parsePdf(bytes, limits);
    case MEDIA_TYPES.docx:
      return parseDocx(bytes, limits);
    case MEDIA_TYPES.html:
      checkInputSize(bytes, limits, 'HTML');
      return parseHtml(decodeText(bytes), limits);
    case MEDIA_TYPES.markdown:
      checkInputSize(bytes, limits, 'Markdown');
      return parseMarkdown(decodeText(bytes), limits);
    case MEDIA_TYPES.json:
      checkInputSize(bytes, limits, 'JSON');
      return parseJsonDocument(decodeText(bytes), limits);
    case MEDIA_TYPES.text:
      checkInputSize(bytes, limits, 'text');
      return parsePlainText(decodeText(bytes), limits);
  }
}
