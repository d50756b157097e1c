/**
 * What the recommended guardrail policies add per request. Two `keel serve` processes against the same
 * fake OpenAI-compatible upstream (no token delay), one without guardrails and one with
 * `guardrails.defaults: 'recommended'` (pii-redact, prompt-injection, retrieved-injection, pii-leak), are
 * probed with the same requests in alternating rounds: a sync `POST /v1/generate` and a streamed one (time
 * to the first text delta and to `done`), with a ~600-character ticket holding an e-mail, a card and an
 * IBAN. Figures are p50/p99 of sequential requests, side by side, with their ratio. An in-process probe
 * times the guardrail work alone (input checks, prompt redaction, restore, output checks) on the same text.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockLanguageModelV4 } from 'ai/test';
import { parseCapabilityStream } from '../src/client/capability-stream.ts';
import {
  BUILTIN_GUARDRAILS,
  GuardrailSession,
  RECOMMENDED_GUARDRAILS,
} from '../src/modules/guardrails/index.ts';
import { startFakeOpenAI } from '../test/fixtures/fake-openai/index.ts';
import { answer, usage } from '../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../test/support/test-app.ts';
import { BenchFailure } from './support/benchmark.ts';
import { machineInfo } from './support/machine.ts';
import { type BenchOptions, numberOption, rejectUnknownOptions } from './support/options.ts';
import { freePort } from './support/ports.ts';
import { processCpuMs } from './support/process-cpu.ts';
import { spawnNode, stopAllChildren } from './support/processes.ts';
import { writeResults } from './support/results.ts';
import { formatTable } from './support/table.ts';
import { waitForHttpOk } from './support/wait-http.ts';

export const description =
  'Latency the recommended guardrail policies add per request (sync and streamed), p50/p99';

export const optionsHelp = {
  requests: 'sequential requests per variant and round (default 150)',
  rounds: 'alternating rounds; every request of every round is pooled (default 4)',
  micro: 'in-process guardrail runs for the work-alone probe, 0 to skip (default 3000)',
};

const ROOT = path.resolve(import.meta.dirname, '..');
const KEEL_CLI = path.join(ROOT, 'src/main/cli.ts');
const TICKET = [
  'Hello support team, I was charged twice for my last order and would like one of the payments refunded.',
  'You can reach me at ana.garcia@example.com or on +44 20 7946 0958 during office hours.',
  'The card used was 4111 1111 1111 1111; if a refund to the card is not possible, please use my',
  'account DE89 3704 0044 0532 0130 00 instead. The order was placed on the 3rd and delivered on the',
  '5th, and everything arrived in good condition, so this is only about the double charge. Thank you for',
  'looking into it, and please confirm by e-mail once the refund has been made.',
].join(' ');

function keelEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const owned = /^(KEEL_|DATABASE_URL$|REDIS_URL$|OPENAI_|ANTHROPIC_|LOG_LEVEL$|PORT$|HOST$|OTEL_)/;
  for (const [name, value] of Object.entries(process.env)) if (!owned.test(name)) env[name] = value;
  return { ...env, ...overrides };
}

async function startKeel(
  name: string,
  workDir: string,
  upstream: string,
  guardrails: string,
): Promise<{ readonly url: string; readonly pid: number | undefined }> {
  const directory = path.join(workDir, name);
  await mkdir(directory, { recursive: true });
  await writeFile(
    path.join(directory, 'keel.config.ts'),
    `export default {
  models: {
    providers: { fake: { kind: 'openai-compatible', baseUrl: '${upstream}' } },
    aliases: { default: 'fake:fake-model' },
  },
  guardrails: ${guardrails},
};\n`,
  );
  const port = await freePort();
  const handle = spawnNode({
    name,
    nodeArgs: [KEEL_CLI, 'serve'],
    cwd: directory,
    env: keelEnvironment({
      PORT: String(port),
      HOST: '127.0.0.1',
      KEEL_DATA_DIR: 'memory://',
      LOG_LEVEL: 'warn',
      // Shedding off: on a shared machine a stall elsewhere would refuse a probe, which is not what is measured.
      KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
    }),
    stdout: { file: path.join(workDir, `${name}.log`) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/readyz`, handle, 60_000);
  return { url, pid: handle.child.pid };
}

interface Timing {
  readonly totalMs: number;
  readonly firstMs: number;
}

async function syncCall(url: string): Promise<Timing> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_input: TICKET }),
  });
  const body = (await response.json()) as { answer?: string };
  if (response.status !== 200 || !body.answer?.includes('ana.garcia@example.com')) {
    throw new BenchFailure(`sync call answered ${response.status}: ${JSON.stringify(body).slice(0, 200)}`);
  }
  const totalMs = performance.now() - started;
  return { totalMs, firstMs: totalMs };
}

async function streamCall(url: string): Promise<Timing> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ user_input: TICKET }),
  });
  if (response.status !== 200 || response.body === null) {
    throw new BenchFailure(`stream answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  let firstMs = Number.NaN;
  let done = false;
  for await (const event of parseCapabilityStream(response.body)) {
    if (event.type === 'text-delta' && Number.isNaN(firstMs)) firstMs = performance.now() - started;
    if (event.type === 'error') throw new BenchFailure(`stream failed: ${event.data.message}`);
    if (event.type === 'done') done = true;
  }
  if (!done) throw new BenchFailure('stream ended without done');
  return { totalMs: performance.now() - started, firstMs };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The guardrail work of one guarded call, in process: what the policies cost without HTTP or a model. */
async function microProbe(runs: number): Promise<{ p50: number; p99: number }> {
  const policies = BUILTIN_GUARDRAILS.filter((policy) =>
    (RECOMMENDED_GUARDRAILS as readonly string[]).includes(policy.name),
  );
  const timings: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    const session = new GuardrailSession({ policies });
    await session.checkValue({ user_input: TICKET }, 'input');
    const prompt = await session.checkText(TICKET, 'input', {
      policies: session.at('input').filter((policy) => policy.action === 'redact'),
      record: false,
    });
    const answer = `Refund queued. ${prompt}`.replace(
      /\[[A-Z_]+_\d+\]/g,
      (placeholder) => session.reversible.get(placeholder) ?? placeholder,
    );
    const output = await session.checkValue({ answer }, 'output');
    await session.forLog({ user_input: TICKET });
    await session.forLog(output);
    timings.push(performance.now() - started);
  }
  return { p50: quantile(timings, 0.5), p99: quantile(timings, 0.99) };
}

/**
 * The same sync call through the app factory in this process (`inject`, in-memory request log, a mock model
 * answering at once), with and without the recommended policies, alternating: no sockets, no second
 * process, so what remains of the difference is Keel's own work.
 */
async function inAppProbe(requests: number, rounds: number): Promise<{ off: number[]; on: number[] }> {
  const model = () =>
    new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm',
      doGenerate: async (call) =>
        answer(`Refund queued: ${JSON.stringify(call.prompt).slice(0, 600)}`, usage(5, 2)),
    });
  const off = await buildTestApp({ model: model() });
  const on = await buildTestApp({ model: model(), guardrailsConfig: { defaults: 'recommended' } });
  const timings = { off: [] as number[], on: [] as number[] };
  const time = async (app: TestApp, into: number[] | undefined) => {
    for (let index = 0; index < requests; index += 1) {
      const started = performance.now();
      const response = await app.app.inject({
        method: 'POST',
        url: '/v1/generate',
        payload: { user_input: TICKET },
      });
      if (response.statusCode !== 200) throw new BenchFailure(`in-app call answered ${response.statusCode}`);
      into?.push(performance.now() - started);
    }
  };
  try {
    await time(off, undefined);
    await time(on, undefined);
    for (let round = 0; round < rounds; round += 1) {
      await time(round % 2 === 0 ? off : on, round % 2 === 0 ? timings.off : timings.on);
      await time(round % 2 === 0 ? on : off, round % 2 === 0 ? timings.on : timings.off);
    }
  } finally {
    await off.close();
    await on.close();
  }
  return timings;
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const requests = numberOption(options, 'requests', 150);
  const rounds = numberOption(options, 'rounds', 4);
  const microRuns = numberOption(options, 'micro', 3_000);
  const workDir = await mkdtemp(path.join(tmpdir(), 'keel-bench-guardrails-'));
  // The model echoes the ticket (placeholders and all), so restoring and output checks have real work.
  const fake = await startFakeOpenAI({
    recordRequests: false,
    chunkSize: 4,
    reply: ({ lastUserMessage }) => `Refund queued. Summary of your message: ${lastUserMessage}`,
  });
  try {
    const variants = [
      { id: 'off', ...(await startKeel('off', workDir, fake.url, '{}')) },
      { id: 'on', ...(await startKeel('on', workDir, fake.url, "{ defaults: 'recommended' }")) },
    ];
    const calls = [
      { id: 'sync', call: syncCall },
      { id: 'stream', call: streamCall },
    ];
    const samples = new Map<string, Timing[]>();
    // CPU time of each Keel process per request (user + system, /proc): steadier than latency here.
    const cpu = new Map<string, number>();
    // Warm-up: compile paths, open connections, load the tokenizer.
    for (const variant of variants)
      for (const { call } of calls) for (let i = 0; i < 30; i++) await call(variant.url);
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        for (const { id, call } of calls) {
          const key = `${id}:${variant.id}`;
          const list = samples.get(key) ?? [];
          const cpuBefore = processCpuMs(variant.pid) ?? Number.NaN;
          for (let index = 0; index < requests; index += 1) list.push(await call(variant.url));
          cpu.set(key, (cpu.get(key) ?? 0) + ((processCpuMs(variant.pid) ?? Number.NaN) - cpuBefore));
          samples.set(key, list);
        }
      }
    }
    const micro = microRuns > 0 ? await microProbe(microRuns) : undefined;
    const inApp = await inAppProbe(Math.max(requests, 300), rounds);
    const inAppFigures = {
      offP50: quantile(inApp.off, 0.5),
      onP50: quantile(inApp.on, 0.5),
      offP99: quantile(inApp.off, 0.99),
      onP99: quantile(inApp.on, 0.99),
    };

    const rows = calls.flatMap(({ id }) => {
      const measures: Array<[string, (timing: Timing) => number]> =
        id === 'sync'
          ? [['sync: response', (timing) => timing.totalMs]]
          : [
              ['stream: first text delta', (timing) => timing.firstMs],
              ['stream: done', (timing) => timing.totalMs],
            ];
      return measures.map(([label, pick]) => {
        const off = (samples.get(`${id}:off`) ?? []).map(pick);
        const on = (samples.get(`${id}:on`) ?? []).map(pick);
        const cpuPerRequest = (variant: string) =>
          Math.round(((cpu.get(`${id}:${variant}`) ?? Number.NaN) / (rounds * requests)) * 1000) / 1000;
        const figures = {
          offP50: quantile(off, 0.5),
          offP99: quantile(off, 0.99),
          onP50: quantile(on, 0.5),
          onP99: quantile(on, 0.99),
        };
        return {
          label,
          ...Object.fromEntries(
            Object.entries(figures).map(([name, value]) => [name, Math.round(value * 100) / 100]),
          ),
          addedP50: Math.round((figures.onP50 - figures.offP50) * 100) / 100,
          addedP99: Math.round((figures.onP99 - figures.offP99) * 100) / 100,
          ratioP50: Math.round((figures.onP50 / figures.offP50) * 100) / 100,
          ratioP99: Math.round((figures.onP99 / figures.offP99) * 100) / 100,
          cpuOff: cpuPerRequest('off'),
          cpuOn: cpuPerRequest('on'),
        } as Record<string, number | string>;
      });
    });
    const table = formatTable(
      [
        { header: 'measure' },
        { header: 'off p50', align: 'right' },
        { header: 'on p50', align: 'right' },
        { header: 'added p50', align: 'right' },
        { header: 'ratio p50', align: 'right' },
        { header: 'off p99', align: 'right' },
        { header: 'on p99', align: 'right' },
        { header: 'added p99', align: 'right' },
        { header: 'ratio p99', align: 'right' },
        { header: 'CPU ms/req off', align: 'right' },
        { header: 'CPU ms/req on', align: 'right' },
      ],
      rows.map((row) => [
        String(row.label),
        String(row.offP50),
        String(row.onP50),
        String(row.addedP50),
        `${row.ratioP50}x`,
        String(row.offP99),
        String(row.onP99),
        String(row.addedP99),
        `${row.ratioP99}x`,
        String(row.cpuOff),
        String(row.cpuOn),
      ]),
    );
    process.stdout.write(
      `\n${table}\n\nms; ${rounds} alternating rounds x ${requests} sequential requests per variant and call; ` +
        `ticket of ${TICKET.length} characters (e-mail, phone, card, IBAN)\n`,
    );
    process.stdout.write(
      `in process through the app factory (sync, ${inApp.off.length} requests each): p50 ${inAppFigures.offP50.toFixed(3)} ms off, ` +
        `${inAppFigures.onP50.toFixed(3)} ms on (+${(inAppFigures.onP50 - inAppFigures.offP50).toFixed(3)}); ` +
        `p99 ${inAppFigures.offP99.toFixed(3)} ms off, ${inAppFigures.onP99.toFixed(3)} ms on\n`,
    );
    if (micro) {
      process.stdout.write(
        `guardrail work alone, in process (${microRuns} runs): p50 ${micro.p50.toFixed(3)} ms, p99 ${micro.p99.toFixed(3)} ms\n`,
      );
    }
    const file = await writeResults('guardrails', {
      machine: machineInfo(),
      settings: {
        requests,
        rounds,
        microRuns,
        policies: RECOMMENDED_GUARDRAILS,
        ticketCharacters: TICKET.length,
      },
      rows,
      micro: micro ?? null,
      inApp: inAppFigures,
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await stopAllChildren();
    await fake.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}
