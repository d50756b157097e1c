import { constants, inflateRawSync } from 'node:zlib';
import { DocumentParseLimitError } from './parse-error.ts';
import { type ParseLimits, RATIO_CHECK_MIN_BYTES } from './parse-limits.ts';

/** Deflate's largest possible expansion: what a stream that cannot be inflated here might still become. */
const DEFLATE_MAX_RATIO = 1032;
const FILTER_ENTRY = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/;
const FLATE = new Set(['FlateDecode', 'Fl']);
/** Text encodings a Flate stream may be wrapped in: undone here, so they cannot hide what they wrap. */
const ARMOUR: Readonly<Record<string, (data: Buffer) => Buffer>> = {
  ASCIIHexDecode: fromHex,
  AHx: fromHex,
  ASCII85Decode: fromAscii85,
  A85: fromAscii85,
};
const IMAGE = /\/Subtype\s*\/Image(?![A-Za-z0-9])/;

/**
 * The PDF's Flate streams measured before pdf.js decodes any (it keeps a decoded stream whole in memory):
 * each one pdf.js may read for text (content, forms, fonts, object and cross-reference streams; images
 * are never decoded for text) is inflated here under a hard cap, and their total is held to
 * `maxUncompressedBytes`, each large one's ratio to `maxCompressionRatio`. A stream that does not inflate
 * cleanly counts at deflate's largest ratio, so damaged data cannot hide a bomb, unless the PDF may be
 * encrypted: its streams cannot be measured before decryption, and are left to the page and character
 * limits and the caller's timeout. Saying `/Encrypt` only lifts that penalty; streams that do inflate here
 * are always counted.
 */
export function checkPdfStreams(bytes: Uint8Array, limits: ParseLimits): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mayBeEncrypted = buffer.includes('/Encrypt', 0, 'latin1');
  let total = 0;
  let at = 0;
  for (;;) {
    const keyword = buffer.indexOf('stream', at, 'latin1');
    if (keyword === -1) return;
    at = keyword + 6;
    if (keyword >= 3 && buffer.toString('latin1', keyword - 3, keyword) === 'end') continue;
    let start = keyword + 6;
    if (buffer[start] === 0x0d) start++;
    if (buffer[start] === 0x0a) start++;
    if (start === keyword + 6) continue;
    const preceding = buffer.toString('latin1', Math.max(0, keyword - 2048), keyword);
    const objectStart = preceding.lastIndexOf('obj');
    const dictionary = objectStart === -1 ? preceding : preceding.slice(objectStart);
    const end = buffer.indexOf('endstream', start, 'latin1');
    at = end === -1 ? buffer.length : end + 9;
    if (IMAGE.test(dictionary)) continue;
    const filters = [...(FILTER_ENTRY.exec(dictionary)?.[1] ?? '').matchAll(/\/([A-Za-z0-9]+)/g)].map(
      (match) => match[1] ?? '',
    );
    const flate = filters.findIndex((filter) => FLATE.has(filter));
    // Without Flate, or behind a filter other than a text encoding (LZW, run length): not measured here.
    if (flate === -1 || filters.slice(0, flate).some((filter) => ARMOUR[filter] === undefined)) continue;
    const data = filters
      .slice(0, flate)
      .reduce(
        (decoded, filter) => (ARMOUR[filter] as (data: Buffer) => Buffer)(decoded),
        buffer.subarray(start, end === -1 ? buffer.length : end),
      );
    const remaining = limits.maxUncompressedBytes - total;
    const size = inflatedSize(data, remaining, mayBeEncrypted);
    if (size > remaining)
      throw new DocumentParseLimitError(
        'maxUncompressedBytes',
        limits.maxUncompressedBytes,
        `The PDF's compressed streams inflate to more than ${limits.maxUncompressedBytes} bytes`,
      );
    total += size;
    if (size > RATIO_CHECK_MIN_BYTES && size / Math.max(1, data.byteLength) > limits.maxCompressionRatio)
      throw new DocumentParseLimitError(
        'maxCompressionRatio',
        limits.maxCompressionRatio,
        `A stream of the PDF at byte ${keyword} is compressed ${Math.round(size / Math.max(1, data.byteLength))} to 1`,
      );
  }
}

/** Bytes the stream inflates to, or more than `cap` as soon as it would exceed it. */
function inflatedSize(data: Buffer, cap: number, mayBeEncrypted: boolean): number {
  // pdf.js reads the two-byte zlib header itself and never checks the trailing checksum: do the same.
  const valid =
    data.byteLength >= 2 &&
    ((data[0] ?? 0) & 0x0f) === 8 &&
    (((data[0] ?? 0) << 8) | (data[1] ?? 0)) % 31 === 0;
  // pdf.js refuses a Flate stream with a bad header (an encrypted one is unreadable here either way).
  if (!valid) return 0;
  try {
    return inflateRawSync(data.subarray(2), {
      maxOutputLength: Math.max(1, cap),
      finishFlush: constants.Z_SYNC_FLUSH,
    }).byteLength;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return cap + 1;
    return mayBeEncrypted ? 0 : Math.min(cap + 1, data.byteLength * DEFLATE_MAX_RATIO);
  }
}

function fromHex(data: Buffer): Buffer {
  const digits =
    data
      .toString('latin1')
      .split('>')[0]
      ?.replace(/[^0-9a-fA-F]/g, '') ?? '';
  return Buffer.from(digits.length % 2 === 0 ? digits : `${digits}0`, 'hex');
}

/** ASCII base-85 (`z` for four zero bytes, `~>` at the end), as PDF uses it. */
function fromAscii85(data: Buffer): Buffer {
  const output = Buffer.allocUnsafe(data.byteLength * 4 + 4);
  let length = 0;
  let group = 0;
  let count = 0;
  const flush = (bytes: number) => {
    for (let shift = 24, index = 0; index < bytes; index++, shift -= 8)
      output[length++] = (group >>> shift) & 0xff;
  };
  for (const byte of data) {
    if (byte === 0x7e) break;
    if (byte === 0x7a && count === 0) {
      output.fill(0, length, length + 4);
      length += 4;
    } else if (byte >= 0x21 && byte <= 0x75) {
      group = (group * 85 + byte - 33) >>> 0;
      if (++count === 5) {
        flush(4);
        group = 0;
        count = 0;
      }
    }
  }
  if (count > 0) {
    for (let index = count; index < 5; index++) group = (group * 85 + 84) >>> 0;
    flush(count - 1);
  }
  return output.subarray(0, length);
}
