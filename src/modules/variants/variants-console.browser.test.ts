import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockLanguageModelV4 } from 'ai/test';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { CHROMIUM, requiresWith } from '../../../test/support/tiers.ts';
import { answerCapability, gatewayOf, textResult } from '../../../test/support/variant-models.ts';

// The console's Variants view in Debian's chromium: the live comparison of a canary that breaks its schema
// every other call, a version made and a canary started from the forms, and a promotion from the button.
const ROOT = path.resolve(import.meta.dirname, '../../..');
const base = '/v1/admin/capabilities/answer-json';

describe('the Variants view of the console', requiresWith({ timeout: 90_000 }, 'chromium'), () => {
  let app: TestApp;
  let url: string;
  let browser: Browser;
  let dist: string;

  beforeAll(async () => {
    // Built fresh, apart from console/dist, so a stale build cannot hide the view.
    dist = await mkdtemp(path.join(tmpdir(), 'keel-console-'));
    const build = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'console/vite.config.ts',
        '--outDir',
        dist,
        '--emptyOutDir',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (build.status !== 0) throw new Error(`console build failed: ${build.stderr}${build.stdout}`);
    let flaky = 0;
    const steady = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'steady',
      doGenerate: textResult('{"answer":"a"}'),
    });
    const broken = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'broken',
      doGenerate: async () => textResult(++flaky % 2 === 0 ? '{"answer":7}' : '{"answer":"b"}'),
    });
    app = await buildTestApp({
      gateway: gatewayOf({ steady, broken }, 'steady'),
      extraCapabilities: [answerCapability],
      console: { distDirectory: dist },
    });
    url = await app.app.listen({ host: '127.0.0.1', port: 0 });
    for (const model of ['mock:steady', 'mock:broken']) {
      await app.app.inject({ method: 'POST', url: `${base}/variants`, payload: { model } });
    }
    await app.app.inject({
      method: 'PUT',
      url: `${base}/traffic`,
      payload: { stable: 1, canary: { version: 2, percent: 40 }, auto_rollback: { enabled: false } },
    });
    for (let index = 0; index < 40; index++) {
      await app.app.inject({
        method: 'POST',
        url: '/v1/answer-json',
        headers: { 'keel-subject': `u${index}` },
        payload: { question: 'q' },
      });
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dist) await rm(dist, { recursive: true, force: true });
  });

  it('shows the live comparison, makes a version, starts a canary and promotes it', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/console/variants/answer-json`);
    const chart = page.getByTestId('variants-error-chart');
    await chart.waitFor();
    expect(await chart.textContent()).toMatch(/answer-json@2 \(canary\)/);
    const canaryRow = page
      .getByRole('table', { name: /Live comparison/ })
      .getByRole('row')
      .filter({ hasText: 'canary' });
    // The page shows what the comparison endpoint says, interval included.
    const compared = (await app.app.inject({ method: 'GET', url: `${base}/comparison` })).json();
    const canary = compared.variants.find((row: { role: string }) => row.role === 'canary');
    expect(canary.error_rate.mean).toBeGreaterThan(0.3);
    expect(await canaryRow.textContent()).toContain(
      `${canary.calls}${canary.error_rate.mean.toFixed(2)} [${canary.error_rate.ci95[0].toFixed(2)}`,
    );

    await page.getByLabel('Model').fill('mock:steady');
    await page.getByLabel('Instructions (system prompt)').fill('Answer in one word.');
    await page.getByRole('button', { name: 'Create version' }).click();
    await page.getByText('answer-json@3').first().waitFor();
    await page.getByLabel('Version').fill('3');
    await page.getByLabel('Percent of subjects').fill('15');
    await page.getByRole('button', { name: 'Start the canary' }).click();
    await page.getByText('answer-json@3 at 15%').waitFor();

    await page.getByRole('button', { name: 'Promote the canary' }).click();
    await page.getByTestId('variant-policy').filter({ hasText: 'Stable answer-json@3' }).waitFor();
    expect(await page.getByTestId('variant-policy').textContent()).not.toMatch(/· canary/);
    expect(await page.getByTestId('variant-events').textContent()).toMatch(/promoted answer-json@3/);
    const stored = (await app.app.inject({ method: 'GET', url: `${base}/traffic` })).json();
    expect(stored).toMatchObject({ stable: 'answer-json@3', canary: null });
    expect((await app.app.inject({ method: 'GET', url: `${base}/variants/3` })).json().instructions).toBe(
      'Answer in one word.',
    );
  });
});
