/**
 * The fake OpenAI-compatible upstream (test/fixtures/fake-openai) as its own process, with an outage
 * switch driven by signals, for the soak benchmark:
 *
 *   node bench/support/outage-upstream.ts --port 0 --token-delay-ms 20 --outage status-503
 *
 * SIGUSR1 starts the outage (every model request answers 503, or hangs with `--outage hang`), SIGUSR2 ends
 * it. Prints `{"url": "http://127.0.0.1:PORT/v1"}` once listening and `{"outage": true|false}` on each
 * switch; stops on SIGTERM/SIGINT. Requests are not recorded, so its memory stays flat over a long run.
 */
import { parseArgs } from 'node:util';
import { startFakeOpenAI } from '../../test/fixtures/fake-openai/index.ts';
import { stopOnSignals } from '../../test/fixtures/fake-openai/stop-on-signals.ts';
import type { FakeFault } from '../../test/fixtures/fake-openai/types.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'token-delay-ms': { type: 'string', default: '0' },
    outage: { type: 'string', default: 'status-503' },
  },
  strict: true,
});

const OUTAGE_FAULTS: Record<string, FakeFault> = {
  'status-503': { kind: 'status', status: 503 },
  hang: { kind: 'hang' },
};
const fault = OUTAGE_FAULTS[values.outage];
const tokenDelayMs = Number(values['token-delay-ms']);
const port = Number(values.port);
if (fault === undefined || !Number.isFinite(tokenDelayMs) || !Number.isInteger(port)) {
  process.stderr.write(
    `outage-upstream: --outage must be one of ${Object.keys(OUTAGE_FAULTS).join(', ')}; --port and --token-delay-ms numbers\n`,
  );
  process.exit(2);
}

const fake = await startFakeOpenAI({ port, tokenDelayMs, recordRequests: false });
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

process.on('SIGUSR1', () => {
  fake.setDefaultFault(fault);
  process.stdout.write(`${JSON.stringify({ outage: true })}\n`);
});
process.on('SIGUSR2', () => {
  fake.setDefaultFault(undefined);
  process.stdout.write(`${JSON.stringify({ outage: false })}\n`);
});

stopOnSignals(fake, 'outage-upstream');
