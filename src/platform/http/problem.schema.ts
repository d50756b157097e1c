import { z } from 'zod';

export const fieldErrorSchema = z
  .object({
    pointer: z
      .string()
      .describe('JSON Pointer to the offending value, prefixed by the request part (`/body/user_input`).'),
    message: z.string(),
    code: z.string().describe('Machine-readable reason, e.g. `too_small`, `invalid_type`.'),
  })
  .meta({ id: 'FieldError' });

/** RFC 9457 problem document, as every Keel error is rendered. */
export const problemSchema = z
  .object({
    type: z.string().describe('URI identifying the problem type: `urn:keel:error:<CODE>`.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string().describe('Stable, documented error code (see docs/errors.md).'),
    request_id: z.string().describe('Echoes the `x-request-id` header; quote it when reporting a problem.'),
    retryable: z.boolean().describe('Whether sending the same request again may succeed.'),
    errors: z.array(fieldErrorSchema).optional().describe('Field-level problems, for validation errors.'),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'An RFC 9457 problem document (`application/problem+json`).' });

const problemContent = { 'application/problem+json': { schema: problemSchema } };

/** Response entries for a route's schema; each names the situations that produce it. */
export function problemResponses<const Status extends number>(
  entries: Readonly<Record<Status, string>>,
): Record<Status, { description: string; content: typeof problemContent }> {
  const responses = {} as Record<Status, { description: string; content: typeof problemContent }>;
  for (const [status, description] of Object.entries(entries) as [string, string][]) {
    responses[Number(status) as Status] = { description, content: problemContent };
  }
  return responses;
}
