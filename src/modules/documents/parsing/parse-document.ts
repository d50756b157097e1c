import type { ParsedDocument } from './blocks.ts';
import { parseDocx } from './docx.parser.ts';
import { parseHtml } from './html.parser.ts';
import { parseJsonDocument } from './json.parser.ts';
import { parseMarkdown } from './markdown.parser.ts';
import { decodeText, MEDIA_TYPES, type SupportedMediaType } from './media-type.ts';
import { parsePdf } from './pdf.parser.ts';
import { parsePlainText } from './text.parser.ts';

/** Bytes of a supported type to blocks; throws DocumentParseError with a precise reason. */
export async function parseDocument(
  bytes: Uint8Array,
  mediaType: SupportedMediaType,
): Promise<ParsedDocument> {
  switch (mediaType) {
    case MEDIA_TYPES.pdf:
      return parsePdf(bytes);
    case MEDIA_TYPES.docx:
      return parseDocx(bytes);
    case MEDIA_TYPES.html:
      return parseHtml(decodeText(bytes));
    case MEDIA_TYPES.markdown:
      return parseMarkdown(decodeText(bytes));
    case MEDIA_TYPES.json:
      return parseJsonDocument(decodeText(bytes));
    case MEDIA_TYPES.text:
      return parsePlainText(decodeText(bytes));
  }
}
