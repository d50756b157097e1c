import { crc32, inflateRawSync } from 'node:zlib';
import { DocumentParseError, DocumentParseLimitError } from './parse-error.ts';
import { type ParseLimits, RATIO_CHECK_MIN_BYTES } from './parse-limits.ts';

/** One entry of a zip's central directory, sizes as declared (they may lie). */
export interface ZipEntry {
  readonly name: string;
  readonly nameBytes: Uint8Array;
  readonly flags: number;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;
const UTF8_NAMES = 0x800;

/**
 * The central directory of a zip, read without inflating anything: entry count checked against
 * `maxZipEntries` before the entries are walked. ZIP64 sizes and offsets are understood.
 */
export function readZipDirectory(bytes: Uint8Array, limits: ParseLimits): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfDirectory(view);
  let count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  const locator = end - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR) {
    const zip64End = readUint64(view, locator + 8);
    if (zip64End + 56 > view.byteLength || view.getUint32(zip64End, true) !== ZIP64_END_OF_DIRECTORY)
      throw damaged('its ZIP64 directory is missing');
    count = readUint64(view, zip64End + 32);
    offset = readUint64(view, zip64End + 48);
  }
  if (count > limits.maxZipEntries) throw tooManyEntries(count, limits);
  const entries: ZipEntry[] = [];
  let position = offset;
  // Walk what is there, not what the end record claims: a lying count cannot make us read more entries.
  while (position + 46 <= view.byteLength && view.getUint32(position, true) === DIRECTORY_ENTRY) {
    if (entries.length >= limits.maxZipEntries) throw tooManyEntries(entries.length + 1, limits);
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    const nameStart = position + 46;
    if (nameStart + nameLength + extraLength > view.byteLength) throw damaged('its directory is cut short');
    const nameBytes = bytes.subarray(nameStart, nameStart + nameLength);
    const flags = view.getUint16(position + 8, true);
    let compressedSize = view.getUint32(position + 20, true);
    let uncompressedSize = view.getUint32(position + 24, true);
    let localHeaderOffset = view.getUint32(position + 42, true);
    // ZIP64: the 0xffffffff fields are in the extra field 0x0001, in this order.
    const extra = new DataView(bytes.buffer, bytes.byteOffset + nameStart + nameLength, extraLength);
    for (let at = 0; at + 4 <= extraLength; ) {
      const id = extra.getUint16(at, true);
      const size = extra.getUint16(at + 2, true);
      if (id === 0x0001) {
        let field = at + 4;
        const next = () => {
          if (field + 8 > at + 4 + size || field + 8 > extraLength)
            throw damaged('a ZIP64 field is cut short');
          const value = readUint64(extra, field);
          field += 8;
          return value;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      at += 4 + size;
    }
    entries.push({
      name: new TextDecoder(flags & UTF8_NAMES ? 'utf-8' : 'latin1').decode(nameBytes),
      nameBytes,
      flags,
      method: view.getUint16(position + 10, true),
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    position = nameStart + nameLength + extraLength + commentLength;
  }
  if (entries.length === 0) throw damaged('it has no entries');
  return entries;
}

/**
 * The declared sizes of the entries to extract, checked before any is inflated: their sum against
 * `maxUncompressedBytes`, each large one's ratio against `maxCompressionRatio`.
 */
export function checkDeclaredSizes(entries: readonly ZipEntry[], limits: ParseLimits): void {
  let total = 0;
  for (const entry of entries) {
    total += entry.uncompressedSize;
    if (total > limits.maxUncompressedBytes)
      throw new DocumentParseLimitError(
        'maxUncompressedBytes',
        limits.maxUncompressedBytes,
        `The DOCX's parts declare more than ${limits.maxUncompressedBytes} bytes uncompressed (${entry.name} brings them to ${total})`,
      );
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > RATIO_CHECK_MIN_BYTES && ratio > limits.maxCompressionRatio)
      throw new DocumentParseLimitError(
        'maxCompressionRatio',
        limits.maxCompressionRatio,
        `${entry.name} is compressed ${Math.round(ratio)} to 1`,
      );
  }
}

/**
 * One entry's content, inflated with a hard cap at its declared size: a header that under-states the size
 * stops the inflation at the declared size instead of filling memory.
 */
export function extractEntry(bytes: Uint8Array, entry: ZipEntry, limits: ParseLimits): Uint8Array {
  if (entry.flags & 1) throw damaged(`${entry.name} is encrypted`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = entry.localHeaderOffset;
  if (header + 30 > view.byteLength || view.getUint32(header, true) !== LOCAL_HEADER)
    throw damaged(`the local header of ${entry.name} is missing`);
  const start = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
  if (start + entry.compressedSize > bytes.byteLength) throw damaged(`${entry.name} is cut short`);
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === STORED) {
    if (entry.compressedSize !== entry.uncompressedSize)
      throw damaged(`${entry.name} has inconsistent sizes`);
    return data;
  }
  if (entry.method !== DEFLATED)
    throw damaged(`${entry.name} uses compression method ${entry.method}, which Word never writes`);
  try {
    // maxOutputLength must be at least 1; a part declared empty may inflate to nothing.
    return inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DocumentParseLimitError(
        'maxUncompressedBytes',
        limits.maxUncompressedBytes,
        `${entry.name} inflates past the ${entry.uncompressedSize} bytes its header declares`,
      );
    throw damaged(
      `${entry.name} does not inflate (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** A zip of stored (uncompressed) entries: what mammoth gets, so it inflates nothing itself. */
export function writeStoredZip(
  entries: readonly { readonly entry: ZipEntry; readonly content: Uint8Array }[],
): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const { entry, content } of entries) {
    const checksum = crc32(content);
    const flags = entry.flags & UTF8_NAMES;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(content.byteLength, 18);
    local.writeUInt32LE(content.byteLength, 22);
    local.writeUInt16LE(entry.nameBytes.byteLength, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(DIRECTORY_ENTRY, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(content.byteLength, 20);
    central.writeUInt32LE(content.byteLength, 24);
    central.writeUInt16LE(entry.nameBytes.byteLength, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, Buffer.from(entry.nameBytes), Buffer.from(content));
    directory.push(central, Buffer.from(entry.nameBytes));
    offset += 30 + entry.nameBytes.byteLength + content.byteLength;
  }
  const directorySize = directory.reduce((sum, part) => sum + part.byteLength, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_DIRECTORY, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...directory, end]);
}

function findEndOfDirectory(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--)
    if (view.getUint32(at, true) === END_OF_DIRECTORY) return at;
  throw damaged('it is not a zip archive (no end of central directory)');
}

function readUint64(view: DataView, at: number): number {
  const value = view.getBigUint64(at, true);
  // Beyond 2^53 no real offset or size exists; treat it as the largest, which every limit refuses.
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function tooManyEntries(count: number, limits: ParseLimits): DocumentParseLimitError {
  return new DocumentParseLimitError(
    'maxZipEntries',
    limits.maxZipEntries,
    `The DOCX holds ${count} zip entries`,
  );
}

function damaged(reason: string): DocumentParseError {
  return new DocumentParseError(`The DOCX could not be read: ${reason}.`);
}
