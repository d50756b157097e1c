import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelConfig, loadConfig } from '../../src/config/index.ts';
import { type CommandOutput, evalCommand } from '../../src/main/eval-command.ts';
import { DEFAULT_RESILIENCE, emptyGatewaySettings, Gateway } from '../../src/modules/gateway/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The eval pipeline end to end over HTTP, as CI would drive it: `keel eval import` a JSONL file, `keel
 * eval run` it on two models of an OpenAI-compatible server (the fake one, answering per model name),
 * compare, and gate: `--fail-under` and `--fail-on-regression` fail on the worse model and pass otherwise.
 * Keel runs in process (the app factory, listening on loopback) so the suite stays fast.
 */

const CAPITALS: Record<string, string> = {
  France: 'Paris',
  Italy: 'Rome',
  Spain: 'Madrid',
  Japan: 'Tokyo',
  Peru: 'Lima',
  Chile: 'Santiago',
};
// The "weak" model knows only half of them.
const WEAK_KNOWS = new Set(['France', 'Italy', 'Spain']);

let upstream: FakeOpenAI;
let app: TestApp;
let url: string;
let directory: string;
let config: KeelConfig;

function capture(): CommandOutput & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    out: () => out,
    err: () => err,
  };
}

async function keelEval(...argv: string[]) {
  const output = capture();
  const code = await evalCommand([...argv, '--url', url], config, output, { pollIntervalMs: 20 });
  return {
    code,
    stdout: output.out(),
    stderr: output.err(),
    runId: /eval run ([0-9a-f-]{36})/.exec(output.err())?.[1] ?? '',
  };
}

async function countRuns(): Promise<number> {
  const page = (await (await fetch(`${url}/v1/eval-runs?limit=100`)).json()) as { items: unknown[] };
  return page.items.length;
}

beforeAll(async () => {
  upstream = await startFakeOpenAI({
    reply: (request) => {
      const country = /capital of (\w+)/.exec(request.lastUserMessage)?.[1] ?? '';
      const knows = request.model === 'strong-model' || WEAK_KNOWS.has(country);
      return knows ? (CAPITALS[country] ?? 'unknown') : 'I am not sure.';
    },
  });
  const gateway = new Gateway({
    settings: emptyGatewaySettings({
      providers: [
        {
          name: 'fake',
          kind: 'openai-compatible',
          baseUrl: upstream.url,
          apiKey: 'k',
          headers: {},
          structuredOutputs: false,
        },
      ],
      aliases: [{ name: 'default', deployments: [{ ref: 'fake:strong-model', weight: 1 }], fallbacks: [] }],
      resilience: { ...DEFAULT_RESILIENCE, maxAttempts: 1 },
    }),
  });
  app = await buildTestApp({ models: gateway });
  url = await app.app.listen({ host: '127.0.0.1', port: 0 });
  directory = await mkdtemp(path.join(tmpdir(), 'keel-evals-'));
  config = await loadConfig({ environment: {}, cwd: directory });
  const lines = Object.entries(CAPITALS).map(([country, capital]) =>
    JSON.stringify({
      input: { user_input: `What is the capital of ${country}? One word.`, max_tokens: 10 },
      expected: { answer: capital, status: 'ok' },
    }),
  );
  await writeFile(path.join(directory, 'capitals.jsonl'), `${lines.join('\n')}\n`);
  await writeFile(path.join(directory, 'bad.jsonl'), `${lines[0]}\n{"input": {"user_input": ""}}\n`);
});

afterAll(async () => {
  await app?.close();
  await upstream?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('keel eval against a running Keel and an OpenAI-compatible server', () => {
  it('imports JSONL, and refuses a file with an invalid line naming it', async () => {
    const imported = await keelEval(
      'import',
      path.join(directory, 'capitals.jsonl'),
      '--dataset',
      'capitals',
      '--capability',
      'generate',
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/imported 6 items into capitals .* version 1/);
    const bad = await keelEval('import', path.join(directory, 'bad.jsonl'), '--dataset', 'capitals');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('EVAL_ITEM_INVALID');
    expect(bad.stderr).toContain('bad.jsonl:2 /input/user_input');
    expect(
      (await keelEval('import', path.join(directory, 'capitals.jsonl'), '--dataset', 'new-one')).code,
    ).toBe(2);
  });

  it('runs two variants, compares them, and gates: fails on the regression, passes otherwise', async () => {
    const both = await keelEval(
      'run',
      'capitals',
      '--variants',
      'fake:strong-model,fake:weak-model',
      '--scorer',
      'exact={"field":"answer","case_sensitive":false}',
      '--scorer',
      'contains={"field":"answer","as":"mentions"}',
      '--fail-under',
      'exact=0.9',
      '--report',
      path.join(directory, 'report.html'),
    );
    expect(both.stderr).toContain('[========================] 12/12 evaluated');
    expect(both.stdout).toMatch(/fake:strong-model\s+1\.000 \[1\.00, 1\.00\]/);
    expect(both.stdout).toMatch(/fake:weak-model\s+0\.500 \[/);
    expect(both.stdout).toContain('pass fake:strong-model: exact 1.000 >= 0.9');
    expect(both.stdout).toContain('FAIL fake:weak-model: exact 0.500 < 0.9');
    expect(both.code).toBe(1);
    const within = await keelEval('compare', both.runId);
    expect(within.stdout).toContain('3 regressed, 0 improved, 3 unchanged');
    // Gated on the strong variant only, the same comparison passes.
    const gated = await keelEval(
      'run',
      'capitals',
      '--variants',
      'fake:strong-model,fake:weak-model',
      '--scorer',
      'exact={"field":"answer"}',
      '--fail-under',
      'exact=0.9',
      '--gate-variant',
      'fake:strong-model',
    );
    expect(gated.code).toBe(0);
    const report = await readFile(path.join(directory, 'report.html'), 'utf8');
    expect(report).toContain('id="regressions"');
    expect(report.match(/<svg/g)?.length).toBeGreaterThanOrEqual(4);

    const baseline = await keelEval(
      'run',
      'capitals',
      '--variants',
      'fake:strong-model',
      '--scorer',
      'exact={"field":"answer"}',
      '--fail-under',
      'exact=0.9',
    );
    expect(baseline.code).toBe(0);
    const same = await keelEval(
      'run',
      'capitals',
      '--variants',
      'fake:strong-model',
      '--scorer',
      'exact={"field":"answer"}',
      '--baseline',
      baseline.runId,
      '--fail-on-regression',
    );
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('0 regressed, 0 improved, 6 unchanged');
    const worse = await keelEval(
      'run',
      'capitals',
      '--variants',
      'fake:weak-model',
      '--scorer',
      'exact={"field":"answer"}',
      '--baseline',
      baseline.runId,
      '--fail-on-regression',
    );
    expect(worse.code).toBe(1);
    expect(worse.stdout).toContain('FAIL 3 item(s) regressed');
    expect(worse.stdout).toMatch(/regressed #3: exact 1 -> 0/);

    expect((await keelEval('compare', baseline.runId, worse.runId, '--fail-on-regression')).code).toBe(1);
    expect((await keelEval('compare', baseline.runId, same.runId, '--fail-on-regression')).code).toBe(0);
    expect((await keelEval('compare', baseline.runId, worse.runId)).code).toBe(0);
  });

  it('waits out a busy Keel, and never starts a run twice after a broken connection', async () => {
    // A fault injector in front of the real fetch: Keel (in process) refuses the first two POSTs.
    let refusals = 0;
    const busy = async (request: Request) => {
      if (request.method === 'POST' && refusals < 2) {
        refusals++;
        return new Response(
          JSON.stringify({ status: 503, code: 'SERVICE_OVERLOADED', detail: 'busy', retryable: true }),
          { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '1' } },
        );
      }
      return fetch(request);
    };
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
    };
    const imported = capture();
    const file = path.join(directory, 'capitals.jsonl');
    expect(
      await evalCommand(
        ['import', file, '--dataset', 'busy-capitals', '--capability', 'generate', '--url', url],
        config,
        imported,
        { fetch: busy, sleep },
      ),
      imported.err(),
    ).toBe(0);
    expect(refusals).toBe(2);
    expect(slept).toEqual([1000, 1000]);
    expect(imported.err()).toContain(
      'keel eval: Keel is busy (503 SERVICE_OVERLOADED); POST /v1/datasets again in 1.0 s (attempt 2 of 8)',
    );

    // The run is created, then its answer is lost: sending the POST again could start a second run.
    const runsBefore = await countRuns();
    const lost = async (request: Request) => {
      const response = await fetch(request);
      if (request.method === 'POST' && new URL(request.url).pathname === '/v1/eval-runs')
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
        });
      return response;
    };
    const started = capture();
    expect(
      await evalCommand(
        ['run', 'busy-capitals', '--variants', 'fake:strong-model', '--url', url],
        config,
        started,
        { fetch: lost, sleep },
      ),
    ).toBe(1);
    expect(started.err()).toContain(
      '/v1/eval-runs: the connection broke (ECONNRESET) after the request may have reached Keel; not sent again, since that could apply it twice',
    );
    expect(await countRuns()).toBe(runsBefore + 1);
  });

  it('reports usage errors with exit code 2 and a missing Keel with 1', async () => {
    expect((await keelEval('run', 'capitals')).code).toBe(2);
    expect((await keelEval('run', 'capitals', '--variants', 'x', '--fail-under', 'exact')).code).toBe(2);
    expect((await keelEval('frobnicate')).code).toBe(2);
    const nowhere = await closedPortUrl();
    const output = capture();
    expect(
      await evalCommand(['run', 'x', '--variants', 'a', '--url', nowhere], config, output, {
        baseDelayMs: 1,
      }),
    ).toBe(1);
    expect(output.err()).toContain(`no Keel answers at ${nowhere} (from --url): ECONNREFUSED; check --url`);
    // Without --url it names the address it made from HOST and PORT, and how to change it.
    const port = new URL(nowhere).port;
    const fromSettings = capture();
    expect(
      await evalCommand(
        ['run', 'x', '--variants', 'a'],
        await loadConfig({ environment: { PORT: port }, cwd: directory }),
        fromSettings,
        { baseDelayMs: 1 },
      ),
    ).toBe(1);
    expect(fromSettings.err()).toContain(
      `no Keel answers at http://127.0.0.1:${port} (from HOST and PORT): ECONNREFUSED; start it (npm start), or point keel at it with --url <url> or KEEL_URL`,
    );
    const fromVariable = capture();
    expect(
      await evalCommand(
        ['run', 'x', '--variants', 'a'],
        await loadConfig({ environment: { KEEL_URL: nowhere }, cwd: directory }),
        fromVariable,
        { baseDelayMs: 1 },
      ),
    ).toBe(1);
    expect(fromVariable.err()).toContain(`no Keel answers at ${nowhere} (from KEEL_URL)`);
  });
});
