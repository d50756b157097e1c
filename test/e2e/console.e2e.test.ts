import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeelClient, type KeelClient } from '../../src/client/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { CHROMIUM, requiresWith } from '../support/tiers.ts';

// The console in a real browser (Debian's chromium, never a downloaded one) against a real `keel serve`
// whose model is the fake OpenAI-compatible server. Screenshots go to test-results/console/.
const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST_INDEX = path.join(ROOT, 'console/dist/index.html');

/**
 * Whether a file the console build reads (its sources, page, assets, config, and the typed client it
 * imports from src/client) changed after `time`.
 */
function consoleSourcesNewerThan(time: number): boolean {
  return ['console', 'src/client'].some((directory) =>
    readdirSync(path.join(ROOT, directory), { recursive: true, encoding: 'utf8' })
      .filter((file) => !file.startsWith('dist'))
      .some((file) => statSync(path.join(ROOT, directory, file)).mtimeMs > time),
  );
}
const SHOTS = path.join(ROOT, 'test-results/console');
/** How long to wait for the server's work to show (a loaded CI machine, the local engine's first load). */
const WAIT = { timeout: 60_000 };
const ADMIN_KEY = 'keel-e2e-console-admin-key-0123456789';
const REPLY =
  'A keel keeps a sailing boat upright, stops it from drifting sideways, and gives it a place to carry ballast low. ' +
  'It also protects the hull when the boat touches ground, and it lets the boat sail close to the wind.';

describe(
  'the console in a browser, against keel serve',
  // Without chromium the suite skips, and the tier summary says so.
  requiresWith({ timeout: 90_000 }, 'chromium'),
  () => {
    let fake: FakeOpenAI;
    let keel: KeelProcess;
    let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
    let browser: Browser;
    let page: Page;
    let client: KeelClient;
    let token: string;

    beforeAll(async () => {
      // The tests serve the built console; build it when missing or older than a source of the console
      // (`npm run build:console`): a build left from before a change would test the old pages.
      if (!existsSync(DIST_INDEX) || consoleSourcesNewerThan(statSync(DIST_INDEX).mtimeMs)) {
        const build = spawnSync(
          process.execPath,
          [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'console/vite.config.ts'],
          { cwd: ROOT, encoding: 'utf8' },
        );
        if (build.status !== 0) throw new Error(`console build failed: ${build.stderr}${build.stdout}`);
      }
      await mkdir(SHOTS, { recursive: true });
      directory = await temporaryDirectory();
      // Slow enough tokens that the page shows a stream in progress.
      fake = await startFakeOpenAI({ reply: () => REPLY, tokenDelayMs: 40 });
      await writeFile(
        path.join(directory.path, 'keel.config.ts'),
        `export default { models: {
        providers: { fake: { kind: 'openai-compatible', baseUrl: '${fake.url}' } },
        aliases: { default: 'fake:fake-model', fast: 'fake:fake-fast' },
      }, guardrails: { capabilities: { generate: ['pii-redact'] } } };\n`,
      );
      keel = await startKeel(
        // The machine running this is busy (a browser, a build): load shedding would refuse the test's requests.
        { KEEL_DATA_DIR: 'memory://', KEEL_ADMIN_KEY: ADMIN_KEY, KEEL_MAX_EVENT_LOOP_DELAY_MS: '0' },
        directory.path,
        // It uploads and searches a document with the local embedder.
        { optimisedWebAssembly: true },
      );
      // The typed client, as an operator would use it: an admin key for the console user.
      const admin = createKeelClient({ baseUrl: keel.url, apiKey: ADMIN_KEY });
      const { data, error } = await admin.POST('/v1/admin/keys', {
        body: { name: 'console e2e', tenant_id: 'acme', scopes: ['admin'] },
      });
      if (!data) throw new Error(`could not create a key: ${JSON.stringify(error)}`);
      token = data.token;
      client = createKeelClient({ baseUrl: keel.url, apiKey: token });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await keel?.stop();
      await fake?.close();
      await directory?.remove();
    });

    const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

    it('serves the console without a key, with the CSP, and signs in with a key', async () => {
      const response = await page.goto(`${keel.url}/console`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
      await page.getByLabel('API key').fill('keel_ffffffffffffffff_nope');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('AUTH_INVALID');
      await shot('01-sign-in-refused');
      await page.getByLabel('API key').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByTestId('identity').textContent(), WAIT).toContain('acme');
      expect(await page.getByTestId('identity').textContent()).toContain('admin');
      // The key lives in session storage only.
      expect(await page.evaluate(() => sessionStorage.getItem('keel.console.apiKey'))).toBe(token);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
    });

    it('runs a streaming capability and shows tokens as they arrive', async () => {
      await page.getByLabel('Capability').selectOption('generate');
      await page.getByLabel('Streaming').check();
      await page.getByLabel('user_input').fill('What does a keel do?');
      await page.getByRole('button', { name: 'Run' }).click();
      // Seen mid-stream: some text on the page while the run is still busy.
      const partial = await page.waitForFunction(() => {
        const text = document.querySelector('[data-testid=stream-text]')?.textContent ?? '';
        return document.querySelector('[aria-busy=true]') && text.length > 0 ? text : false;
      });
      const partialText = String(await partial.jsonValue());
      await shot('02-playground-streaming');
      await page.getByRole('heading', { name: 'Output' }).waitFor();
      const finalText = (await page.getByTestId('stream-text').textContent()) ?? '';
      expect(finalText).toBe(REPLY);
      expect(partialText.length).toBeLessThan(finalText.length);
      expect(REPLY.startsWith(partialText)).toBe(true);
      await page.getByText('Raw request and response').click();
      expect(await page.locator('details').textContent()).toContain('text/event-stream');
      await shot('03-playground-done');
    });

    it('shows validation messages from the problem document under the field', async () => {
      await page.getByLabel('Sync').check();
      await page.getByLabel('user_input').fill('');
      await page.getByRole('button', { name: 'Run' }).click();
      await page.locator('.field-error').first().waitFor();
      expect(await page.getByLabel('user_input').getAttribute('aria-invalid')).toBe('true');
      await shot('04-playground-validation');
    });

    it('compares two engines side by side on the same input', async () => {
      // summarize has a `model` field: A on the embedded local engine, B on the (fake) default model.
      await page.getByLabel('Capability').selectOption('summarize');
      await page.getByLabel('Sync').check();
      await page.getByLabel('text', { exact: true }).fill(`${REPLY} ${REPLY}`);
      await page.getByLabel('Compare two models side by side').check();
      await page.getByLabel('Model A').fill('local');
      await page.getByLabel('Model B').fill('default');
      const before = fake.requests.length;
      await page.getByRole('button', { name: 'Run' }).click();
      await expect
        .poll(() => page.getByRole('heading', { name: 'Output' }).count(), WAIT)
        .toBe(2)
        .catch(async (error: unknown) => {
          await shot('05-playground-compare-failed');
          throw error;
        });
      const models = fake.requests.slice(before).map((request) => (request.body as { model?: string }).model);
      expect(models).toEqual(['fake-model']);
      expect(await page.getByRole('heading', { name: 'Model A: local' }).count()).toBe(1);
      await shot('05-playground-compare');
      await page.getByLabel('Compare two models side by side').uncheck();
    });

    it('uploads a document, shows it ready, and searches it with its ranks', async () => {
      await page.getByRole('link', { name: 'Documents' }).click();
      await page.getByLabel('New collection').fill('handbook');
      await page.getByRole('button', { name: 'Create collection' }).click();
      await expect.poll(() => page.getByLabel('Collection', { exact: true }).inputValue(), WAIT).not.toBe('');
      await page.setInputFiles('#upload-file', {
        name: 'sailing.md',
        mimeType: 'text/markdown',
        buffer: Buffer.from(
          '# Sailing handbook\n\n## Keels\n\nThe keel keeps the boat upright and stops leeway.\n\n## Knots\n\nA bowline makes a fixed loop at the end of a line.\n',
        ),
      });
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await expect
        .poll(() => page.getByTestId('document-status').first().textContent(), { timeout: 60_000 })
        .toContain('ready');
      await page.getByLabel('Query').fill('bowline loop');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByTestId('search-summary').waitFor();
      const table = page.getByRole('table', { name: 'Search results with their lexical and vector ranks' });
      await table.waitFor();
      expect(await table.textContent()).toContain('bowline');
      expect(await table.locator('tbody tr').first().locator('td').nth(3).textContent()).toMatch(/^#1 /);
      await shot('06-documents-search');
    });

    it('starts a job and follows it to the end on its timeline', async () => {
      await page.getByRole('link', { name: 'Playground' }).click();
      await page.getByLabel('Capability').selectOption('generate');
      await page.getByLabel('As a job').check();
      await page.getByLabel('user_input').fill('Run me in the background.');
      await page.getByRole('button', { name: 'Run' }).click();
      await page.getByText('Job created').getByRole('link').click();
      await expect
        .poll(() => page.getByTestId('job-status').textContent(), { timeout: 30_000 })
        .toContain('succeeded');
      await expect
        .poll(() => page.getByRole('list', { name: 'Job events' }).textContent(), WAIT)
        .toContain('job-succeeded');
      expect(await page.getByRole('list', { name: 'Job events' }).textContent()).toContain('job-started');
      await shot('07-job-detail');
      await page.getByRole('link', { name: '← All jobs' }).click();
      await page.getByRole('table').waitFor();
      await shot('08-jobs');
    });

    it("opens an eval run's charts", async () => {
      const dataset = await client.POST('/v1/datasets', {
        body: {
          name: 'keel facts',
          capability: 'generate',
          items: [
            { input: { user_input: 'What does a keel do?' }, reference: REPLY },
            { input: { user_input: 'Why a keel?' }, reference: 'It keeps the boat upright.' },
          ],
        },
      });
      if (!dataset.data) throw new Error(JSON.stringify(dataset.error));
      const run = await client.POST('/v1/eval-runs', {
        body: {
          dataset_id: dataset.data.id,
          variants: ['default', 'fast'],
          scorers: [{ name: 'rouge-l' }],
        },
      });
      if (!run.data) throw new Error(JSON.stringify(run.error));
      await page.getByRole('link', { name: 'Evals' }).click();
      await page.getByRole('link', { name: run.data.id }).click();
      await page.locator('[data-testid=eval-charts] svg').first().waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('eval-charts').textContent()).toContain('Mean rouge-l by variant');
      await page.getByRole('img', { name: 'Distribution of rouge-l scores (all variants)' }).waitFor();
      await page.getByRole('heading', { name: /Regressions/ }).waitFor();
      await shot('09-eval-run');
    });

    it('leaves the console’s own reads out of the request log unless asked', async () => {
      await page.getByRole('link', { name: 'Requests' }).click();
      await page.getByRole('table').waitFor();
      const toggle = page.getByLabel("Show the console's own GET requests");
      expect(await toggle.isChecked()).toBe(false);
      // Every GET in the log so far is the console's own (this test's client only POSTs): the Playground
      // read /v1/models, the Evals view its runs. Hidden by default, with a note saying so.
      await page.getByTestId('console-reads-hidden').waitFor(WAIT);
      expect(await page.getByRole('table').textContent()).not.toContain('GET /v1/');
      await toggle.check();
      await expect.poll(() => page.getByRole('table').textContent(), WAIT).toContain('GET /v1/models');
      await shot('10-requests-with-console-reads');
      await toggle.uncheck();
      await expect.poll(() => page.getByRole('table').textContent(), WAIT).not.toContain('GET /v1/');
    });

    it('lists requests, shows one with its model calls, and takes feedback', async () => {
      await page.getByRole('link', { name: 'Requests' }).click();
      await page.getByLabel('Capability').fill('generate');
      await page.getByRole('table').waitFor();
      await shot('10-requests');
      await page.getByRole('table').locator('tbody tr a').first().click();
      await page.getByRole('heading', { name: 'Model calls' }).waitFor();
      // Drawn, not emoji: no emoji font is needed for the buttons to show what they do.
      for (const name of [/Good/, /Bad/]) {
        const button = page.getByRole('button', { name });
        // The buttons render after the request's details arrive; count only once this one is there.
        await button.waitFor();
        expect(await button.locator('svg').count()).toBe(1);
        expect(await button.textContent()).not.toMatch(/\p{Extended_Pictographic}/u);
      }
      await page.getByRole('button', { name: /Good/ }).click();
      await page.getByText('Thanks: feedback recorded.').waitFor();
      await shot('11-request-detail');
    });

    it('lists guardrail decisions across calls, filters them, and opens the request', async () => {
      const { response } = await client.POST('/v1/generate', {
        body: { user_input: 'Please mail the summary to ana@example.com.' },
      });
      expect(response.status).toBe(200);
      // The log is written just after the response: the page reads it once, so wait until it is there.
      await expect
        .poll(
          async () =>
            (await client.GET('/v1/requests', { params: { query: { guarded: 'true' } } })).data?.items.length,
          WAIT,
        )
        .toBeGreaterThan(0);
      await page.getByRole('link', { name: 'Guardrails' }).click();
      await expect
        .poll(() => page.getByTestId('guardrail-decisions').textContent(), WAIT)
        .toContain('pii-redact');
      expect(await page.getByTestId('guardrail-decisions').textContent()).not.toContain('ana@example.com');
      await shot('12-guardrails');
      await page.getByLabel('Action').selectOption('block');
      await page.getByTestId('no-decisions').waitFor(WAIT);
      await page.getByLabel('Action').selectOption('redact');
      await page.getByTestId('guardrail-decisions').locator('tbody tr a').first().click();
      await page.getByText(/pii-redact: redact at input \(email, 1\)/).waitFor(WAIT);
    });

    it('creates and revokes a key and charts usage', async () => {
      await page.getByRole('link', { name: 'Keys and usage' }).click();
      await page.getByLabel('Name').fill('reader');
      await page.getByRole('button', { name: 'Create key' }).click();
      await expect.poll(() => page.getByTestId('new-key').textContent(), WAIT).toMatch(/^keel_/);
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Revoke reader' }).click();
      await expect
        .poll(() => page.getByRole('row', { name: /reader/ }).textContent(), WAIT)
        .toContain('revoked');
      await page.getByTestId('chart-requests').locator('svg').waitFor();
      await shot('13-keys-usage');
    });

    it('works from the keyboard: skip link first, then the section links', async () => {
      await page.goto(`${keel.url}/console/requests`);
      await page.getByTestId('identity').waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Jobs');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/console/jobs');
    });

    it('fits a phone screen', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('link', { name: 'Playground' }).click();
      await page.getByLabel('Capability').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await shot('13-playground-phone');
    });
  },
);
