import { z } from 'zod';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z
      .string()
      .min(1)
      .refine((value) => value.startsWith('data:') || URL.canParse(value), 'an https URL or a data: URL')
      .describe('An https URL or a `data:` URL.'),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
const textContent = z.union([z.string(), z.array(textPart)]);

const toolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContent, name: z.string().optional() }),
  z.object({ role: z.literal('developer'), content: textContent, name: z.string().optional() }),
  z.object({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart]))]),
    name: z.string().optional(),
  }),
  z.object({
    role: z.literal('assistant'),
    content: z.union([textContent, z.null()]).optional(),
    tool_calls: z.array(toolCallSchema).optional(),
    refusal: z.string().nullable().optional(),
    name: z.string().optional(),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1) }),
]);

const toolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional().describe('A JSON Schema object.'),
    strict: z.boolean().nullable().optional(),
  }),
});

const nullableNumber = (minimum: number, maximum: number) =>
  z.number().min(minimum).max(maximum).nullable().optional();

/** OpenAI's chat completion request, as far as Keel serves it; other fields are ignored. */
export const chatCompletionRequestSchema = z
  .object({
    model: z
      .string()
      .min(1)
      .max(200)
      .describe('An alias (`default`, `fast`, `smart`, ...) or `provider:model`.'),
    messages: z.array(messageSchema).min(1).max(2_000),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
    temperature: nullableNumber(0, 2),
    top_p: nullableNumber(0, 1),
    max_tokens: z.number().int().min(1).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    seed: z.number().int().nullable().optional(),
    presence_penalty: nullableNumber(-2, 2),
    frequency_penalty: nullableNumber(-2, 2),
    n: z.literal(1).nullable().optional().describe('Only one choice is generated.'),
    tools: z.array(toolSchema).max(128).optional(),
    tool_choice: z
      .union([
        z.enum(['none', 'auto', 'required']),
        z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
      ])
      .optional(),
    response_format: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('text') }),
        z.object({ type: z.literal('json_object') }),
        z.object({
          type: z.literal('json_schema'),
          json_schema: z.object({
            name: z.string().min(1).max(64),
            description: z.string().optional(),
            schema: z.record(z.string(), z.unknown()).optional(),
            strict: z.boolean().nullable().optional(),
          }),
        }),
      ])
      .optional(),
    user: z.string().optional(),
  })
  .meta({ id: 'ChatCompletionRequest' });

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type ChatMessage = ChatCompletionRequest['messages'][number];

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

/** OpenAI's `chat.completion` object (the JSON answer; streams send `chat.completion.chunk` events). */
export const chatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          refusal: z.null(),
          tool_calls: z.array(toolCallSchema).optional(),
        }),
        logprobs: z.null(),
        finish_reason: z.enum(['stop', 'length', 'tool_calls', 'content_filter']),
      }),
    ),
    usage: usageSchema,
  })
  .meta({ id: 'ChatCompletion' });

export type ChatCompletion = z.output<typeof chatCompletionSchema>;
