import type {
  LanguageModelV4Content,
  LanguageModelV4Middleware,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import type { GuardrailStage } from './define-guardrail.ts';
import { type GuardrailSession, mapStrings } from './guardrail-session.ts';
import { restore } from './pii/redaction.ts';
import { StreamGuard } from './stream-guard.ts';

export interface GuardrailMiddlewareOptions {
  /**
   * `invocation`: a capability call, whose input and output the invoker checks; here only what goes
   * upstream is redacted (silently: the input's decisions are recorded already), retrieved text checked and
   * placeholders restored. `model`: the call is the whole request (`/openai/v1`): input, retrieved and
   * output policies all run here, streams on a sliding window.
   */
  readonly entry: 'invocation' | 'model';
}

// Retrieved passages inside a prompt: the answers module fences each source (`<source id="1">...</source>`).
const SOURCE_FENCE = /(<source\b[^>]*>)([\s\S]*?)(<\/source>)/g;

/**
 * The guardrails of one call as an AI SDK middleware, outermost, so telemetry, accounting, the response
 * cache and the provider only ever see redacted text; what the model answers gets this caller's
 * reversible placeholders back on the way out.
 */
export function guardrailMiddleware(
  session: GuardrailSession,
  options: GuardrailMiddlewareOptions,
): LanguageModelV4Middleware {
  const checksOutput = options.entry === 'model' && session.at('output').length > 0;
  const inputPolicies =
    options.entry === 'model'
      ? session.at('input')
      : session.at('input').filter((policy) => policy.action === 'redact');
  const checkInput = (text: string) =>
    session.checkText(text, 'input', { policies: inputPolicies, record: options.entry === 'model' });
  const checkUserText = async (text: string): Promise<string> => {
    if (!text.includes('<source')) return checkInput(text);
    let output = '';
    let position = 0;
    for (const match of text.matchAll(SOURCE_FENCE)) {
      output += await checkInput(text.slice(position, match.index));
      output += `${match[1]}${await session.checkText(match[2] ?? '', 'retrieved')}${match[3]}`;
      position = match.index + match[0].length;
    }
    return output + (await checkInput(text.slice(position)));
  };
  const restoreText = (text: string) => restore(text, session.reversible);
  // Earlier answers in the history (restored for the caller, stored in a conversation, an agent's tool
  // arguments) go back upstream: redacted again, silently (they were the model's own words).
  const redacting = session.at('input').filter((policy) => policy.action === 'redact');
  const redactOnly = (text: string) =>
    redacting.length === 0
      ? Promise.resolve(text)
      : session.checkText(text, 'input', { policies: redacting, record: false });

  return {
    specificationVersion: 'v4',
    transformParams: async ({ params }) => ({
      ...params,
      prompt: await guardPrompt(
        params.prompt,
        checkUserText,
        (text, stage) => session.checkText(text, stage),
        redactOnly,
      ),
    }),
    wrapGenerate: async ({ doGenerate }) => {
      const result = await doGenerate();
      const content: LanguageModelV4Content[] = [];
      for (const part of result.content) {
        if (part.type === 'text') {
          const text = restoreText(part.text);
          content.push({ ...part, text: checksOutput ? await session.checkText(text, 'output') : text });
        } else if (part.type === 'tool-call' && session.reversible.size > 0) {
          content.push({ ...part, input: restoreText(part.input) });
        } else {
          content.push(part);
        }
      }
      return { ...result, content };
    },
    wrapStream: async ({ doStream }) => {
      const result = await doStream();
      if (session.reversible.size === 0 && !checksOutput) return result;
      return { ...result, stream: result.stream.pipeThrough(guardStream(session, checksOutput)) };
    },
  };
}

async function guardPrompt(
  prompt: LanguageModelV4Prompt,
  userText: (text: string) => Promise<string>,
  check: (text: string, stage: GuardrailStage) => Promise<string>,
  history: (text: string) => Promise<string>,
): Promise<LanguageModelV4Prompt> {
  const guarded: LanguageModelV4Prompt = [];
  for (const message of prompt) {
    if (message.role === 'system') {
      guarded.push({ ...message, content: await userText(message.content) });
    } else if (message.role === 'user') {
      const content: typeof message.content = [];
      for (const part of message.content) {
        content.push(part.type === 'text' ? { ...part, text: await userText(part.text) } : part);
      }
      guarded.push({ ...message, content });
    } else if (message.role === 'assistant') {
      const content: typeof message.content = [];
      for (const part of message.content) {
        if (part.type === 'text') content.push({ ...part, text: await history(part.text) });
        else if (part.type === 'tool-call')
          content.push({ ...part, input: await mapStrings(part.input, history) });
        else content.push(part);
      }
      guarded.push({ ...message, content });
    } else if (message.role === 'tool') {
      // Tool results are retrieved text: documents, web pages, other systems' answers.
      const content: typeof message.content = [];
      for (const part of message.content) {
        if (part.type !== 'tool-result') {
          content.push(part);
          continue;
        }
        const output = part.output;
        if (output.type === 'text' || output.type === 'error-text') {
          content.push({ ...part, output: { ...output, value: await check(output.value, 'retrieved') } });
        } else if (output.type === 'json' || output.type === 'error-json') {
          const value = await mapStrings(output.value, (text) => check(text, 'retrieved'));
          content.push({ ...part, output: { ...output, value: value as typeof output.value } });
        } else {
          content.push(part);
        }
      }
      guarded.push({ ...message, content });
    } else {
      guarded.push(message);
    }
  }
  return guarded;
}

/** Holds a trailing `[EMAIL_` until it is known whether it closes into a placeholder of this call. */
class PlaceholderRestorer {
  #held = '';
  readonly #placeholders: ReadonlyMap<string, string>;

  constructor(placeholders: ReadonlyMap<string, string>) {
    this.#placeholders = placeholders;
  }

  push(delta: string): string {
    const text = this.#held + delta;
    const open = text.lastIndexOf('[');
    if (open !== -1 && text.length - open < 48 && /^\[[A-Z0-9_]*$/.test(text.slice(open))) {
      this.#held = text.slice(open);
      return restore(text.slice(0, open), this.#placeholders);
    }
    this.#held = '';
    return restore(text, this.#placeholders);
  }

  flush(): string {
    const held = this.#held;
    this.#held = '';
    return held;
  }
}

/** Restores placeholders in text deltas and (for `model` entry) runs the output checks on a sliding window. */
function guardStream(
  session: GuardrailSession,
  checksOutput: boolean,
): TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart> {
  const restorer = new PlaceholderRestorer(session.reversible);
  const guard = checksOutput ? new StreamGuard(session) : undefined;
  let textId: string | undefined;
  let stopped = false;
  const pass = async (text: string, final: boolean): Promise<string> => {
    if (guard === undefined) return text;
    const released = await guard.push(text);
    return final ? released + (await guard.finish()) : released;
  };
  const emit = (controller: TransformStreamDefaultController<LanguageModelV4StreamPart>, delta: string) => {
    if (delta !== '' && textId !== undefined) controller.enqueue({ type: 'text-delta', id: textId, delta });
  };
  const fail = (controller: TransformStreamDefaultController<LanguageModelV4StreamPart>, error: unknown) => {
    stopped = true;
    controller.enqueue({ type: 'error', error });
    controller.terminate();
  };
  return new TransformStream({
    async transform(part, controller) {
      if (stopped) return;
      try {
        if (part.type === 'text-delta') {
          textId = part.id;
          emit(controller, await pass(restorer.push(part.delta), false));
          return;
        }
        if (part.type === 'text-end' || part.type === 'finish') {
          emit(controller, await pass(restorer.flush(), true));
        } else if (part.type === 'tool-call' && session.reversible.size > 0) {
          controller.enqueue({ ...part, input: restore(part.input, session.reversible) });
          return;
        }
        controller.enqueue(part);
      } catch (error) {
        fail(controller, error);
      }
    },
    async flush(controller) {
      if (stopped) return;
      try {
        emit(controller, await pass(restorer.flush(), true));
      } catch (error) {
        fail(controller, error);
      }
    },
  });
}
