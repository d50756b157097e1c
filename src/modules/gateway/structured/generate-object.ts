import type { LanguageModelV4 } from '@ai-sdk/provider';
import { type FlexibleSchema, generateText, type ModelMessage, NoObjectGeneratedError, Output } from 'ai';
import { AppError } from '../../../platform/errors/index.ts';
import { gatewayErrors } from '../gateway.errors.ts';

/** A structured-output call: a schema (Zod or JSON Schema via the AI SDK) and the prompt. */
export interface ObjectRequest<T> {
  readonly schema: FlexibleSchema<T>;
  /** One user message; or give `messages`. */
  readonly prompt?: string;
  readonly messages?: readonly ModelMessage[];
  readonly system?: string;
  /** Name and description of the output, a hint some providers pass to the model. */
  readonly name?: string;
  readonly description?: string;
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  /** Re-asks after an answer that breaks the schema; defaults to the configured `structuredOutput.maxRepairs`. */
  readonly maxRepairs?: number;
}

export interface ObjectResult<T> {
  readonly object: T;
  /** How many re-asks it took (0: the first answer was valid). */
  readonly repairs: number;
}

export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Structured output with a bounded repair loop. The schema goes to the provider as its JSON-schema
 * response format where the provider supports one (JSON mode otherwise); the answer is parsed and
 * validated; an invalid answer is shown back to the model with the validation issues, at most
 * `maxRepairs` times (each re-ask is a model call of its own, marked as a repair in usage). The result is
 * schema-valid, or GATEWAY_OUTPUT_INVALID carrying the last answer's issues.
 */
export async function generateObject<T>(
  model: LanguageModelV4,
  request: ObjectRequest<T>,
  options: { readonly signal: AbortSignal | undefined; readonly maxRepairs: number },
): Promise<ObjectResult<T>> {
  const maxRepairs = request.maxRepairs ?? options.maxRepairs;
  const conversation: ModelMessage[] = request.messages
    ? [...request.messages]
    : [{ role: 'user', content: request.prompt ?? '' }];
  const output = Output.object({
    schema: request.schema,
    ...(request.name === undefined ? {} : { name: request.name }),
    ...(request.description === undefined ? {} : { description: request.description }),
  });
  for (let repair = 0; ; repair++) {
    try {
      const result = await generateText({
        model,
        output,
        messages: conversation,
        ...(request.system === undefined ? {} : { system: request.system }),
        ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(options.signal === undefined ? {} : { abortSignal: options.signal }),
        ...(repair > 0 ? { providerOptions: { keel: { repair } } } : {}),
        // Keel's gateway owns retries (one loop, not one per layer).
        maxRetries: 0,
      });
      return { object: result.output as T, repairs: repair };
    } catch (error) {
      if (!NoObjectGeneratedError.isInstance(error)) throw error;
      const issues = schemaIssues(error);
      if (repair >= maxRepairs) {
        throw new AppError(gatewayErrors.GATEWAY_OUTPUT_INVALID, {
          detail: `The model's answer did not match the schema after ${repair} repair ${repair === 1 ? 'attempt' : 'attempts'}.`,
          details: { issues, repairs: repair },
          cause: error,
        });
      }
      conversation.push(
        { role: 'assistant', content: error.text ?? '' },
        { role: 'user', content: repairPrompt(issues) },
      );
    }
  }
}

function repairPrompt(issues: readonly SchemaIssue[]): string {
  const listed = issues.map((issue) => `- ${issue.path || '(the whole value)'}: ${issue.message}`).join('\n');
  return `Your previous answer is not valid for the required JSON schema:\n${listed}\nAnswer again with only the corrected JSON value, no other text.`;
}

/** The validation issues behind a NoObjectGeneratedError: Zod's issues, or why the text is not JSON. */
export function schemaIssues(error: NoObjectGeneratedError): SchemaIssue[] {
  let current: unknown = error.cause;
  for (let depth = 0; depth < 5 && current; depth++) {
    const issues = (current as { issues?: unknown }).issues;
    if (Array.isArray(issues)) {
      return issues.map((issue: { path?: readonly PropertyKey[]; message?: string }) => ({
        path: (issue.path ?? []).map(String).join('.'),
        message: issue.message ?? 'is not valid',
      }));
    }
    if ((current as { name?: unknown }).name === 'AI_JSONParseError') {
      return [{ path: '', message: 'is not valid JSON' }];
    }
    current = (current as { cause?: unknown }).cause;
  }
  return [
    { path: '', message: error.cause instanceof Error ? error.cause.message : 'does not match the schema' },
  ];
}
