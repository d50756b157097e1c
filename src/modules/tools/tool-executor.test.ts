import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CapabilityInvoker } from '../capabilities/index.ts';
import { defineTool } from './define-tool.ts';
import { ToolExecutor } from './tool-executor.ts';
import { handleFromTool } from './tool-handle.ts';

const executor = new ToolExecutor({
  invoker: {} as CapabilityInvoker,
  capabilities: [],
  clock: { now: () => new Date('2026-11-21T10:00:00.000Z') },
});
const logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const scope = { tenantId: 't', requestId: 'r', signal: new AbortController().signal, logger };

describe('ToolExecutor', () => {
  it('never runs a tool whose arguments are invalid', async () => {
    let ran = 0;
    const tool = handleFromTool(
      defineTool({
        name: 'count',
        description: 'counts',
        input: z.object({ n: z.number().int() }),
        output: z.object({ n: z.number() }),
        effect: 'read',
        run: async ({ n }) => {
          ran += 1;
          return { n };
        },
      }),
    );
    await expect(executor.call(tool, { n: 'x' }, scope)).rejects.toMatchObject({
      code: 'TOOL_INPUT_INVALID',
      errors: [{ pointer: '/body/n' }],
    });
    expect(ran).toBe(0);
    await expect(executor.call(tool, { n: 2 }, scope)).resolves.toEqual({ n: 2 });
    expect(ran).toBe(1);
  });

  it('aborts a tool at its timeout with TOOL_TIMED_OUT, and passes the abort to it', async () => {
    let aborted = false;
    const tool = handleFromTool(
      defineTool({
        name: 'hang',
        description: 'never ends',
        input: z.object({}),
        output: z.object({}),
        effect: 'read',
        timeoutMs: 30,
        run: (_input, context) =>
          new Promise(() => {
            context.signal.addEventListener('abort', () => {
              aborted = true;
            });
          }),
      }),
    );
    await expect(executor.call(tool, {}, scope)).rejects.toMatchObject({
      code: 'TOOL_TIMED_OUT',
      status: 504,
    });
    expect(aborted).toBe(true);
  });

  it('maps a broken output contract and a thrown error to their codes', async () => {
    const broken = handleFromTool(
      defineTool({
        name: 'broken',
        description: 'returns the wrong shape',
        input: z.object({}),
        output: z.object({ value: z.number() }),
        effect: 'read',
        run: async () => ({ value: 'not a number' }) as never,
      }),
    );
    await expect(executor.call(broken, {}, scope)).rejects.toMatchObject({ code: 'TOOL_OUTPUT_INVALID' });
    const throwing = handleFromTool(
      defineTool({
        name: 'throwing',
        description: 'throws',
        input: z.object({}),
        output: z.object({}),
        effect: 'read',
        run: async () => {
          throw new Error('disk on fire');
        },
      }),
    );
    await expect(executor.call(throwing, {}, scope)).rejects.toMatchObject({
      code: 'TOOL_FAILED',
      detail: 'throwing failed: disk on fire',
    });
  });

  it('refuses bad declarations', () => {
    const base = {
      description: 'x',
      input: z.object({}),
      output: z.object({}),
      effect: 'read' as const,
      run: async () => ({}),
    };
    expect(() => defineTool({ ...base, name: 'Bad-Name' })).toThrow(TypeError);
    expect(() => defineTool({ ...base, name: 'list' })).toThrow(/reserved/);
    expect(() => defineTool({ ...base, name: 'ok', effect: 'delete' as never })).toThrow(TypeError);
    expect(() => handleFromTool(defineTool({ ...base, name: 'scalar', input: z.string() as never }))).toThrow(
      /z.object/,
    );
  });
});
