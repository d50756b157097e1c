import type { FastifyRequest } from 'fastify';
import { AppError, type FieldError, platformErrors } from '../../platform/errors/index.ts';
import type { ChunkMetadata } from '../retrieval/index.ts';
import { documentErrors } from './documents.errors.ts';
import { metadataSchema } from './documents.schemas.ts';
import type { DocumentInput } from './documents.service.ts';

const FIELDS = new Set(['title', 'metadata']);

/**
 * Reads a `multipart/form-data` upload: exactly one file part, optional `title` and `metadata` (JSON)
 * fields. The file is buffered up to the upload limit; one byte more is a 413 naming the limit.
 */
export async function readUpload(
  request: FastifyRequest,
  limits: { readonly maxUploadBytes: number; tooLarge(): AppError },
): Promise<DocumentInput> {
  if (!request.isMultipart()) {
    throw new AppError(platformErrors.REQUEST_MEDIA_TYPE_UNSUPPORTED, {
      detail: `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here: upload the file as multipart/form-data, or send text to POST /v1/collections/{collectionId}/documents.`,
    });
  }
  let file: { bytes: Buffer; filename: string; mimetype: string } | undefined;
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        file = { bytes: await part.toBuffer(), filename: part.filename, mimetype: part.mimetype };
      } else if (FIELDS.has(part.fieldname)) {
        fields[part.fieldname] = String(part.value);
      } else {
        throw invalid([
          {
            pointer: `/body/${part.fieldname}`,
            message: 'unknown field (expected file, title, metadata)',
            code: 'unrecognized_keys',
          },
        ]);
      }
    }
  } catch (error) {
    throw fromMultipartError(error, limits);
  }
  if (!file)
    throw invalid([{ pointer: '/body/file', message: 'a file part is required', code: 'invalid_type' }]);
  const title = fields.title?.trim();
  if (fields.title !== undefined && (title === '' || (title?.length ?? 0) > 512)) {
    throw invalid([{ pointer: '/body/title', message: 'must be 1 to 512 characters', code: 'too_big' }]);
  }
  return {
    bytes: file.bytes,
    filename: file.filename,
    declaredType: file.mimetype,
    title: title || undefined,
    metadata: fields.metadata === undefined ? undefined : parseMetadata(fields.metadata),
  };
}

function parseMetadata(text: string): ChunkMetadata {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid([{ pointer: '/body/metadata', message: 'must be a JSON object', code: 'invalid_json' }]);
  }
  const parsed = metadataSchema.safeParse(value);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => ({
        pointer: ['/body/metadata', ...issue.path.map(String)].join('/'),
        message: issue.message,
        code: issue.code,
      })),
    );
  }
  return parsed.data;
}

function invalid(errors: FieldError[]): AppError {
  return new AppError(documentErrors.DOCUMENTS_UPLOAD_INVALID, {
    detail: errors.map((error) => `${error.pointer}: ${error.message}`).join('; '),
    errors,
  });
}

function fromMultipartError(error: unknown, limits: { tooLarge(): AppError }): unknown {
  if (error instanceof AppError) return error;
  switch ((error as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return limits.tooLarge();
    case 'FST_FILES_LIMIT':
      return invalid([{ pointer: '/body/file', message: 'exactly one file per upload', code: 'too_big' }]);
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return invalid([
        { pointer: '/body', message: 'too many parts (file, title, metadata)', code: 'too_big' },
      ]);
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError(platformErrors.REQUEST_MALFORMED, {
        detail: 'The multipart body could not be parsed.',
        cause: error,
      });
    default:
      // busboy reports truncated or malformed bodies as plain errors.
      if (error instanceof Error && /multipart|boundary|Unexpected end/i.test(error.message)) {
        return new AppError(platformErrors.REQUEST_MALFORMED, {
          detail: 'The multipart body could not be parsed.',
          cause: error,
        });
      }
      return error;
  }
}
