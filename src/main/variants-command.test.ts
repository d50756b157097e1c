import { MockLanguageModelV4 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/support/test-app.ts';
import { answerCapability, gatewayOf, textResult } from '../../test/support/variant-models.ts';
import { type KeelConfig, loadConfig } from '../config/index.ts';
import { variantsCommand } from './variants-command.ts';

let app: TestApp;
let url: string;
let config: KeelConfig;

beforeAll(async () => {
  const model = (text: string, id: string) =>
    new MockLanguageModelV4({ provider: 'mock', modelId: id, doGenerate: textResult(text) });
  app = await buildTestApp({
    gateway: gatewayOf(
      { good: model('{"answer":"a"}', 'good'), other: model('{"answer":"b"}', 'other') },
      'good',
    ),
    extraCapabilities: [answerCapability],
  });
  url = await app.app.listen({ host: '127.0.0.1', port: 0 });
  config = await loadConfig({ environment: {}, cwd: process.cwd() });
});
afterAll(async () => app.close());

async function keel(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await variantsCommand([...argv, '--url', url], config, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
  });
  return { code, out, err };
}

describe('keel variants', () => {
  it('creates variants, sets a canary, compares, promotes and rolls back', async () => {
    expect(
      (await keel('create', 'answer-json', '--model', 'mock:good', '--description', 'current')).out,
    ).toMatch(/created answer-json@1/);
    const second = await keel(
      'create',
      'answer-json',
      '--model',
      'mock:other',
      '--instructions',
      'Be brief.',
      '--setting',
      'temperature=0.2',
    );
    expect(second.out).toMatch(/created answer-json@2/);
    expect((await keel('list', 'answer-json')).out).toMatch(/answer-json@2 +model mock:other/);
    const traffic = await keel(
      'traffic',
      'answer-json',
      '--stable',
      '1',
      '--canary',
      '2',
      '--percent',
      '25',
      '--shadow',
      '2:0.5',
    );
    expect(traffic.code).toBe(1);
    expect(traffic.err).toMatch(/VARIANT_POLICY_INVALID|different versions/);
    const set = await keel(
      'traffic',
      'answer-json',
      '--stable',
      '1',
      '--canary',
      '2',
      '--percent',
      '25',
      '--min-samples',
      '30',
    );
    expect(set.out).toMatch(/stable answer-json@1; canary answer-json@2 at 25%.*after 30 calls each/);
    for (let index = 0; index < 8; index++) {
      await app.app.inject({
        method: 'POST',
        url: '/v1/answer-json',
        headers: { 'keel-subject': `s${index}` },
        payload: { question: 'q' },
      });
    }
    const compared = await keel('compare', 'answer-json');
    expect(compared.out).toMatch(/answer-json@1 +stable +\d+/);
    expect((await keel('promote', 'answer-json')).out).toMatch(
      /promoted answer-json@2\n.*stable answer-json@2; canary none/,
    );
    expect((await keel('rollback', 'answer-json')).out).toMatch(/stable answer-json@1/);
    expect((await keel('events', 'answer-json')).out).toMatch(
      /rolled-back[\s\S]*promoted[\s\S]*traffic-changed/,
    );
    expect((await keel('promote', 'nope')).code).toBe(1);
    expect((await keel('frobnicate', 'answer-json')).code).toBe(2);
  });
});
