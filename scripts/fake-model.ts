/**
 * `npm run fake-model`: the repository's fake OpenAI-compatible server (test/fixtures/fake-openai) as a
 * process you can point Keel at, to try streaming, chat, jobs and the OpenAI-compatible API without a key
 * or a download. It answers every chat message with `Echo: <your message>`, streamed word by word, and
 * embeddings with deterministic vectors; nothing leaves the machine.
 *
 *   npm run fake-model [-- --port 11435 --token-delay-ms 40]
 *
 * Prints the environment to start Keel with, then serves until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { startFakeOpenAI } from '../test/fixtures/fake-openai/index.ts';
import { stopOnSignals } from '../test/fixtures/fake-openai/stop-on-signals.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '11435' },
    host: { type: 'string', default: '127.0.0.1' },
    'token-delay-ms': { type: 'string', default: '40' },
  },
  strict: true,
});

const port = Number(values.port);
const tokenDelayMs = Number(values['token-delay-ms']);
if (!Number.isInteger(port) || port < 0 || !Number.isFinite(tokenDelayMs) || tokenDelayMs < 0) {
  process.stderr.write('fake-model: --port and --token-delay-ms must be non-negative numbers\n');
  process.exit(2);
}

const fake = await startFakeOpenAI({ port, host: values.host, tokenDelayMs, recordRequests: false });
process.stdout.write(
  [
    `Fake OpenAI-compatible model server at ${fake.url} (model "fake-model"; replies "Echo: <message>").`,
    'Start Keel against it in another terminal:',
    '',
    `  OPENAI_BASE_URL=${fake.url} KEEL_MODEL=fake-model npm start`,
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n'),
);

stopOnSignals(fake, 'fake-model');
