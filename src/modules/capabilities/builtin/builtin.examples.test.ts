import { describe, expect, it } from 'vitest';
import { invokeCollecting } from '../../../../test/support/builtin-capability-kit.ts';
import type { AnyCapability } from '../define-capability.ts';
import { classifyCapability } from './classify.capability.ts';
import { extractCapability } from './extract.capability.ts';
import { recommendCapability } from './recommend.capability.ts';
import { scoreCapability } from './score.capability.ts';
import { summarizeCapability } from './summarize.capability.ts';

/**
 * Every example that documents an output (in /openapi.json and docs/capabilities.md) is what Keel's
 * default local engine, USE-lite included, answers today. Loads USE-lite once for the file.
 */
const BUILTINS: readonly AnyCapability[] = [
  summarizeCapability,
  classifyCapability,
  extractCapability,
  scoreCapability,
  recommendCapability,
];

const documented = BUILTINS.flatMap((capability) =>
  (capability.examples ?? [])
    .filter((example) => example.output !== undefined)
    .map((example) => ({ name: `${capability.name}: ${example.summary}`, capability, example })),
);

describe('documented examples', () => {
  it('document at least one output per built-in capability', () => {
    expect(new Set(documented.map((entry) => entry.capability.name)).size).toBe(BUILTINS.length);
  });

  it.each(documented)(
    '$name',
    async ({ capability, example }) => {
      const { output } = await invokeCollecting(capability, example.input);
      expect(output).toEqual(example.output);
    },
    120_000,
  );
});
