import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4Prompt,
} from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';

/** What a scripted model answers at one step: text and/or tool calls (arguments as JSON text). */
export type ScriptedStep =
  | {
      readonly text?: string;
      readonly calls?: ReadonlyArray<{
        readonly name: string;
        readonly input: string | object;
        readonly id?: string;
      }>;
    }
  | undefined;

/** Every tool result text in a prompt, in order (what the model would read back). */
export function toolResults(prompt: LanguageModelV4Prompt): string[] {
  const results: string[] = [];
  for (const message of prompt) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type === 'tool-result' && part.output.type === 'text') results.push(part.output.value);
    }
  }
  return results;
}

/**
 * A model driven by a script: `next(prompt, step)` decides each answer from what the model was shown.
 * Returning undefined fails loudly (a call nobody set up). `calls` records every prompt and tool list.
 */
export function scriptedAgentModel(next: (prompt: LanguageModelV4Prompt, step: number) => ScriptedStep) {
  const calls: LanguageModelV4CallOptions[] = [];
  const model = new MockLanguageModelV4({
    provider: 'scripted',
    modelId: 'agent',
    doGenerate: async (options) => {
      calls.push(options);
      const step = next(options.prompt, calls.length);
      if (!step) throw new Error(`scripted model: no answer scripted for step ${calls.length}`);
      const content: LanguageModelV4Content[] = [];
      if (step.text) content.push({ type: 'text', text: step.text });
      for (const [index, call] of (step.calls ?? []).entries()) {
        content.push({
          type: 'tool-call',
          toolCallId: call.id ?? `call-${calls.length}-${index}`,
          toolName: call.name,
          input: typeof call.input === 'string' ? call.input : JSON.stringify(call.input),
        });
      }
      return {
        content,
        finishReason: { unified: step.calls?.length ? 'tool-calls' : 'stop', raw: undefined },
        usage: {
          inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 5, text: 5, reasoning: undefined },
        },
        warnings: [],
      };
    },
  });
  return { model, calls };
}
