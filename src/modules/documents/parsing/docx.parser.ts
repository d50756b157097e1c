import type { ParsedDocument } from './blocks.ts';
import { parseHtml } from './html.parser.ts';
import { DocumentParseError } from './parse-error.ts';

/**
 * DOCX through mammoth, which maps Word's styles to HTML (Heading 1 -> h1, lists, tables); the HTML then
 * goes through the HTML parser. Images are dropped and external files are never read.
 */
export async function parseDocx(bytes: Uint8Array): Promise<ParsedDocument> {
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes) },
      { externalFileAccess: false, convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
    );
    html = result.value;
  } catch (error) {
    throw new DocumentParseError(
      `The DOCX could not be read: it is damaged or not a Word document (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  return parseHtml(html);
}
