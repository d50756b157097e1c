import { Writable } from 'node:stream';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { type AppDependencies, buildApp } from '../../src/main/build-app.ts';
import { type AnyCapability, generateCapability } from '../../src/modules/capabilities/index.ts';
import { createModelCatalog, type ModelCatalog, usageMiddleware } from '../../src/modules/gateway/index.ts';
import { MemoryRequestLogStore, RequestLogWriter } from '../../src/modules/requests/index.ts';
import type { HttpPlatform } from '../../src/platform/http/index.ts';
import { createLogger } from '../../src/platform/logging/index.ts';

/** Log lines a test app wrote, parsed, so tests can assert on what operators would see. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    callback();
  }
}

/** A catalogue serving one given model (an AI SDK mock, usually), with usage recorded like the real one. */
export function catalogFor(model: LanguageModelV4): ModelCatalog {
  return {
    describe: () => ({
      configured: true,
      provider: model.provider,
      model: model.modelId,
      baseUrl: undefined,
    }),
    languageModel: (recorder) =>
      recorder ? wrapLanguageModel({ model, middleware: usageMiddleware(recorder) }) : model,
  };
}

export interface TestAppOptions extends Partial<Omit<AppDependencies, 'logger'>> {
  readonly model?: LanguageModelV4;
  readonly extraCapabilities?: readonly AnyCapability[];
}

export interface TestApp extends HttpPlatform {
  readonly store: MemoryRequestLogStore;
  readonly writer: RequestLogWriter;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

/** The real app factory with in-memory adapters: the HTTP test tier. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const logs = new LogCapture();
  const store = new MemoryRequestLogStore();
  const writer = new RequestLogWriter(store);
  const platform = await buildApp({
    logger: createLogger({ level: 'debug', destination: logs }),
    http: options.http ?? { bodyLimitBytes: 1_048_576, corsOrigins: [] },
    models:
      options.models ??
      (options.model
        ? catalogFor(options.model)
        : createModelCatalog({ apiKey: undefined, baseUrl: undefined, model: undefined })),
    capabilities: options.capabilities ?? [generateCapability, ...(options.extraCapabilities ?? [])],
    requestLog: options.requestLog ?? { store, writer },
    readinessChecks: options.readinessChecks ?? [],
    clock: options.clock ?? { now: () => new Date() },
    adminKey: options.adminKey,
  });
  return {
    ...platform,
    store,
    writer,
    logs,
    async close() {
      await platform.app.close();
      await writer.close();
    },
  };
}
