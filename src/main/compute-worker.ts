// The compute pool's worker thread: every CPU-bound task Keel runs off the event loop, by kind. Each thread
// loads what a task needs on first use (wink-nlp, USE-lite, gpt-tokenizer, parsers) and keeps it.
import {
  type Embedder,
  type EmbedOptions,
  inlineLocalEngine,
  type LocalEngine,
  sharedLocalEmbedder,
} from '../local-engine/index.ts';
// The module's compute entry, not its index: a worker thread loads only what it runs.
import { type ProcessDocumentRequest, processDocument } from '../modules/documents/compute.ts';
import { createWorkerEntry, transferResult, type WorkerTaskContext } from '../platform/compute/index.ts';
import type { EngineTaskInput } from './compute.ts';

/** Texts per forward pass between two cancellation checks. */
const EMBED_STEP = 32;

/** The thread's USE-lite, checking between forward passes whether the pool asked the task to stop. */
function cancellableEmbedder(context: WorkerTaskContext): Embedder {
  const embedder = sharedLocalEmbedder();
  return {
    modelId: embedder.modelId,
    dimensions: embedder.dimensions,
    async embed(texts: readonly string[], options: EmbedOptions = {}) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += EMBED_STEP) {
        context.checkCancelled();
        vectors.push(...(await embedder.embed(texts.slice(start, start + EMBED_STEP), options)));
      }
      return vectors;
    },
  };
}

function engineFor(input: EngineTaskInput<unknown>, context: WorkerTaskContext): LocalEngine {
  return inlineLocalEngine({ embedder: input.embeddings ? cancellableEmbedder(context) : null });
}

type Call = { signal: AbortSignal };
const call = (context: WorkerTaskContext): Call => ({ signal: context.signal });

export default createWorkerEntry({
  'engine.classify': (input: EngineTaskInput<Parameters<LocalEngine['classify']>[0]>, context) =>
    engineFor(input, context).classify(input.request, call(context)),
  'engine.summarize': (input: EngineTaskInput<Parameters<LocalEngine['summarize']>[0]>, context) =>
    engineFor(input, context).summarize(input.request, call(context)),
  'engine.extract': (input: EngineTaskInput<Parameters<LocalEngine['extract']>[0]>, context) =>
    engineFor(input, context).extract(input.request, call(context)),
  'engine.score': (input: EngineTaskInput<Parameters<LocalEngine['score']>[0]>, context) =>
    engineFor(input, context).score(input.request, call(context)),
  'engine.recommend': (input: EngineTaskInput<Parameters<LocalEngine['recommend']>[0]>, context) =>
    engineFor(input, context).recommend(input.request, call(context)),
  'engine.embed': async (input: { texts: readonly string[] }, context) => {
    const embedder = cancellableEmbedder(context);
    const vectors = await embedder.embed(input.texts, { signal: context.signal });
    const tokens = await sharedLocalEmbedder().countTokens(input.texts);
    // One buffer for the batch: moved to the caller, not copied.
    const packed = new Float32Array(vectors.length * embedder.dimensions);
    for (const [index, vector] of vectors.entries()) packed.set(vector, index * embedder.dimensions);
    return transferResult({ packed, dimensions: embedder.dimensions, tokens }, [packed.buffer]);
  },
  'documents.process': (input: ProcessDocumentRequest, context) => {
    context.checkCancelled();
    return processDocument(input);
  },
});
