import type { ParsedDocument } from './blocks.ts';
import { parseHtml } from './html.parser.ts';
import { DocumentParseError } from './parse-error.ts';
import type { ParseLimits } from './parse-limits.ts';
import { checkXmlPart } from './xml-scan.ts';
import {
  checkDeclaredSizes,
  extractEntry,
  readZipDirectory,
  writeStoredZip,
  type ZipEntry,
} from './zip-archive.ts';

/** The parts mammoth reads are XML; everything else (images, fonts, embedded files) it never needs here. */
const TEXT_PART = /\.(?:xml|rels)$/i;

/**
 * DOCX through mammoth, which maps Word's styles to HTML (Heading 1 -> h1, lists, tables); the HTML then
 * goes through the HTML parser. The zip is opened here first, never by mammoth: the central directory is
 * checked (entry count, declared sizes, ratios), each XML part is inflated under a hard cap at its declared
 * size and scanned (nesting, no DTD), and mammoth gets a new zip of those parts stored uncompressed, with
 * every other part emptied, so nothing it inflates or parses can be larger than the limits allow. Images
 * are dropped and external files are never read.
 */
export async function parseDocx(bytes: Uint8Array, limits: ParseLimits): Promise<ParsedDocument> {
  const entries = readZipDirectory(bytes, limits);
  const textParts = entries.filter((entry) => TEXT_PART.test(entry.name));
  checkDeclaredSizes(textParts, limits);
  const validated: { entry: ZipEntry; content: Uint8Array }[] = [];
  for (const entry of entries) {
    if (!TEXT_PART.test(entry.name)) {
      validated.push({ entry, content: new Uint8Array(0) });
      continue;
    }
    const content = extractEntry(bytes, entry, limits);
    checkXmlPart(content, entry.name, limits);
    validated.push({ entry, content });
  }
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: writeStoredZip(validated) },
      { externalFileAccess: false, convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
    );
    html = result.value;
  } catch (error) {
    throw new DocumentParseError(
      `The DOCX could not be read: it is damaged or not a Word document (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  return parseHtml(html, limits);
}
