import { z } from 'zod';
import type { CapabilityContext } from './define-capability.ts';

/** The name that pins Keel's embedded local engine, in a request's `model` and in `models.routes`. */
export const LOCAL_ENGINE = 'local';

/** Which engine serves one invocation of a built-in capability. */
export type EngineChoice =
  | { readonly kind: 'local' }
  /** `name` undefined: the routed model (`models.language()` without a name). */
  | { readonly kind: 'model'; readonly name: string | undefined };

/**
 * Decides between the local engine and a model. An explicit choice wins (the request's `model` field,
 * then the invocation's `modelChoice`, e.g. an eval variant): `local` pins the engine, any other name pins
 * that model and fails with MODEL_NOT_CONFIGURED when it cannot be served. Without one, the capability's
 * route decides (`models.routes.<capability>: 'local'` pins the engine), then whether a model is configured
 * at all: with none, capabilities that have a local strategy still answer, offline.
 */
export function chooseEngine(context: CapabilityContext, requested: string | undefined): EngineChoice {
  const choice = requested ?? context.modelChoice;
  if (choice === LOCAL_ENGINE) return { kind: 'local' };
  if (choice !== undefined) return { kind: 'model', name: choice };
  if (context.models.routed === LOCAL_ENGINE) return { kind: 'local' };
  return context.models.available() ? { kind: 'model', name: undefined } : { kind: 'local' };
}

/** The optional `model` field of built-in capability inputs. */
export const modelChoiceField = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:/@-]+$/, 'an alias, `provider:model`, or `local`')
  .optional()
  .describe(
    "Which engine serves this call: `local` pins the embedded local engine, an alias (`fast`) or `provider:model` pins that model. Omitted: the capability's route in `models.routes`, else the default model, else the local engine when no model is configured.",
  );

/** Token usage reported with every built-in capability's output (zero on the local engine). */
export const usageSchema = z
  .object({
    input_tokens: z.number().int().min(0),
    output_tokens: z.number().int().min(0),
  })
  .meta({ id: 'CapabilityUsage', title: 'CapabilityUsage' });

/** Which engine and model produced an output: `local` with the strategy, or `model` with `provider:model`. */
export const engineFields = {
  engine: z.enum(['local', 'model']).describe('`local`: the embedded engine; `model`: a generative model.'),
  model: z
    .string()
    .describe(
      'The local strategy (`use-lite-512+bm25`, ...) or the `provider:model` deployment(s) that served.',
    ),
  usage: usageSchema,
};

/** The `engine`, `model` and `usage` fields of an output served by a model, read from the invocation's usage. */
export function modelProvenance(context: CapabilityContext): {
  engine: 'model';
  model: string;
  usage: { input_tokens: number; output_tokens: number };
} {
  const usage = context.usage();
  return {
    engine: 'model',
    model: usage.models.join(',') || (context.modelChoice ?? context.models.routed),
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
  };
}

/** The same fields for an output of the local engine. */
export function localProvenance(model: string): {
  engine: 'local';
  model: string;
  usage: { input_tokens: number; output_tokens: number };
} {
  return { engine: 'local', model, usage: { input_tokens: 0, output_tokens: 0 } };
}
