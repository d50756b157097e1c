import { z } from 'zod';

/** Names the gateway gives a meaning to even when the file does not declare them. */
export const BUILT_IN_ALIASES = ['default', 'fast', 'smart', 'embed'] as const;
/** Provider names with a meaning of their own: the environment's providers and the embedded engine. */
export const RESERVED_PROVIDER_NAMES = ['local'] as const;
/** The route target that pins a capability to Keel's embedded local engine (`models.routes.summarize: 'local'`). */
export const LOCAL_ROUTE = 'local';
const ENVIRONMENT_PROVIDERS = ['openai', 'anthropic', 'openai-compatible'] as const;

const NAME = /^[a-z][a-z0-9-]*$/;
const ALIAS = /^[a-z][a-z0-9._-]*$/;

const providerName = z.string().regex(NAME, 'lower-case letters, digits and dashes, starting with a letter');
const modelRef = z
  .string()
  .regex(/^[a-z][a-z0-9-]*:\S+$/, 'expected `provider:model`, e.g. `openai:gpt-4o-mini`');
const aliasOrRef = z.string().min(1).max(200);

const providerSchema = z
  .object({
    /** `openai`, `anthropic` or `openai-compatible`; optional for providers named `openai` and `anthropic`. */
    kind: z.enum(['openai', 'anthropic', 'openai-compatible']).optional(),
    /** Required for `openai-compatible` (ends in `/v1`); overrides the SDK default for the others. */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Name of the environment variable holding the key; keys never live in this file. */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
      .optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** Use the server's JSON-schema response format for structured output (OpenAI always does). */
    structuredOutputs: z.boolean().optional(),
  })
  .strict();

const aliasSchema = z.union([
  modelRef,
  z.array(aliasOrRef).min(1).max(10),
  z
    .object({
      model: modelRef.optional(),
      deployments: z
        .array(z.object({ model: modelRef, weight: z.number().int().min(1).max(1000).default(1) }).strict())
        .min(1)
        .max(20)
        .optional(),
      fallbacks: z.array(aliasOrRef).max(10).default([]),
    })
    .strict()
    .refine((alias) => (alias.model === undefined) !== (alias.deployments === undefined), {
      message: 'give either `model` or `deployments`',
    }),
]);

const milliseconds = (maximum: number) => z.number().int().min(0).max(maximum);

/**
 * The `models` section of keel.config.ts: providers beyond the environment's, aliases with fallbacks and
 * weighted deployments, routing per capability, prices, resilience, cache. Secrets stay in the environment.
 */
export const modelsConfigSchema = z
  .object({
    /** Model id (or `provider:model`) of the environment's provider; `KEEL_MODEL` overrides it. */
    default: z.string().min(1).optional(),
    providers: z.record(providerName, providerSchema).default({}),
    aliases: z.record(z.string().regex(ALIAS, 'lower-case alias name, no colon'), aliasSchema).default({}),
    /** Capability name -> alias or `provider:model`. */
    routes: z.record(z.string().min(1).max(64), aliasOrRef).default({}),
    /** `provider:model` -> USD per million tokens. */
    prices: z
      .record(
        modelRef,
        z
          .object({
            input: z.number().min(0),
            output: z.number().min(0),
            cachedInput: z.number().min(0).optional(),
          })
          .strict(),
      )
      .default({}),
    resilience: z
      .object({
        maxAttempts: z.number().int().min(1).max(10),
        baseDelayMs: milliseconds(60_000),
        maxDelayMs: milliseconds(300_000),
        maxRetryAfterMs: milliseconds(600_000),
        requestTimeoutMs: milliseconds(3_600_000).min(1),
        firstTokenTimeoutMs: milliseconds(3_600_000).min(1),
        idleTimeoutMs: milliseconds(3_600_000).min(1),
        totalTimeoutMs: milliseconds(3_600_000).min(1),
        breaker: z
          .object({
            failureThreshold: z.number().int().min(1).max(1000),
            halfOpenAfterMs: milliseconds(3_600_000).min(1),
          })
          .partial()
          .strict(),
      })
      .partial()
      .strict()
      .default({}),
    /** Exact-match response cache; declaring it turns it on unless `enabled: false`. */
    cache: z
      .object({
        enabled: z.boolean().default(true),
        ttlSeconds: z
          .number()
          .int()
          .min(1)
          .max(7 * 86_400)
          .default(300),
        maxEntries: z.number().int().min(1).max(1_000_000).default(1_000),
        maxEntryBytes: z
          .number()
          .int()
          .min(1_024)
          .max(64 * 1_048_576)
          .default(1_048_576),
      })
      .strict()
      .optional(),
    structuredOutput: z
      .object({ maxRepairs: z.number().int().min(0).max(3).default(2) })
      .strict()
      .default({ maxRepairs: 2 }),
  })
  .strict()
  .superRefine(checkReferences, {
    // Runs even when other fields failed, so one start reports every problem; hence the defensive reads.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export type ModelsConfigFile = z.output<typeof modelsConfigSchema>;

function checkReferences(models: ModelsConfigFile, context: z.RefinementCtx): void {
  const declared = new Set<string>([...ENVIRONMENT_PROVIDERS, ...RESERVED_PROVIDER_NAMES]);
  for (const [name, provider] of Object.entries(models.providers ?? {})) {
    if (typeof provider !== 'object' || provider === null) continue;
    declared.add(name);
    if ((RESERVED_PROVIDER_NAMES as readonly string[]).includes(name)) {
      context.addIssue({
        code: 'custom',
        path: ['providers', name],
        message: `"${name}" is reserved for Keel's embedded engine`,
      });
    }
    const kind = provider.kind ?? (name === 'openai' || name === 'anthropic' ? name : undefined);
    if (kind === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['providers', name, 'kind'],
        message: 'say which SDK serves it: `openai`, `anthropic` or `openai-compatible`',
      });
    }
    if (kind === 'openai-compatible' && provider.baseUrl === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['providers', name, 'baseUrl'],
        message: 'an openai-compatible provider needs its `baseUrl` (ending in /v1)',
      });
    }
  }
  const aliases = new Set<string>([...BUILT_IN_ALIASES, ...Object.keys(models.aliases ?? {})]);
  const checkRef = (value: unknown, path: (string | number)[], allowAlias: boolean) => {
    if (typeof value !== 'string') return;
    const separator = value.indexOf(':');
    if (separator === -1) {
      if (!allowAlias || !aliases.has(value)) {
        context.addIssue({
          code: 'custom',
          path,
          message: allowAlias
            ? `"${value}" is neither a declared alias nor a \`provider:model\` reference`
            : `"${value}" is not a \`provider:model\` reference`,
        });
      }
      return;
    }
    const provider = value.slice(0, separator);
    if (!declared.has(provider)) {
      context.addIssue({
        code: 'custom',
        path,
        message: `unknown provider "${provider}" (declare it under models.providers)`,
      });
    }
  };
  for (const [name, alias] of Object.entries(models.aliases ?? {})) {
    if (typeof alias === 'string') checkRef(alias, ['aliases', name], false);
    else if (typeof alias !== 'object' || alias === null) continue;
    else if (Array.isArray(alias)) {
      alias.forEach((entry, index) => {
        checkRef(entry, ['aliases', name, index], index > 0);
      });
    } else {
      if (alias.model !== undefined) checkRef(alias.model, ['aliases', name, 'model'], false);
      alias.deployments?.forEach((deployment, index) => {
        checkRef(deployment?.model, ['aliases', name, 'deployments', index, 'model'], false);
      });
      (alias.fallbacks ?? []).forEach((entry, index) => {
        checkRef(entry, ['aliases', name, 'fallbacks', index], true);
      });
    }
  }
  for (const [capability, target] of Object.entries(models.routes ?? {})) {
    // `local` pins a built-in capability to the embedded engine: not a model, so nothing to resolve.
    if (target === LOCAL_ROUTE) continue;
    checkRef(target, ['routes', capability], true);
  }
  for (const ref of Object.keys(models.prices ?? {})) checkRef(ref, ['prices', ref], false);
}
