import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { routeConsoleToLogger } from './console-to-logger.ts';
import { createLogger } from './logger.ts';
import { SecretRedactor } from './secret-redactor.ts';

const PROVIDER_KEY = 'provider-key-0123456789-echoed-in-a-401';

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', destination, redactor: new SecretRedactor([PROVIDER_KEY]) });
  return { logger, lines };
}

describe('routeConsoleToLogger', () => {
  it.each(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const)(
    'turns console.%s into a redacted log entry, printing nothing itself',
    async (method) => {
      const { logger, lines } = capturingLogger();
      const original = console[method];
      const restore = routeConsoleToLogger(logger);
      try {
        // What the AI SDK's default stream onError printed: the provider's error, its key echoed inside.
        console[method]('stream failed:', new Error(`401 Incorrect API key provided: ${PROVIDER_KEY}`), {
          responseBody: `{"error":{"message":"bad key ${PROVIDER_KEY}"}}`,
        });
      } finally {
        restore();
      }
      await expect.poll(() => lines.length).toBe(1);
      expect(lines[0]).not.toContain(PROVIDER_KEY);
      expect(lines[0]).toContain('[redacted]');
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ source: `console.${method}` });
      expect(console[method]).toBe(original);
    },
  );

  it('routes AI SDK warnings and process warnings through the logger, and restores both', async () => {
    const { logger, lines } = capturingLogger();
    const global = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
    const before = global.AI_SDK_LOG_WARNINGS;
    const listeners = process.listeners('warning').length;
    const restore = routeConsoleToLogger(logger);
    try {
      (global.AI_SDK_LOG_WARNINGS as (options: unknown) => void)({
        warnings: [{ type: 'other', message: `uses ${PROVIDER_KEY}` }],
        provider: 'openai',
        model: 'm',
      });
      process.emitWarning(`deprecated thing near ${PROVIDER_KEY}`);
      await expect.poll(() => lines.length).toBe(2);
    } finally {
      restore();
    }
    expect(lines.join('\n')).not.toContain(PROVIDER_KEY);
    expect(lines.map((line) => JSON.parse(line).source)).toEqual(['ai-sdk', 'process']);
    expect(global.AI_SDK_LOG_WARNINGS).toBe(before);
    expect(process.listeners('warning')).toHaveLength(listeners);
  });
});
