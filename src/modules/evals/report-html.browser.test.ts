import { describe, expect, it } from 'vitest';
import { CHROMIUM, requiresWith } from '../../../test/support/tiers.ts';
import { compareRuns } from './compare.ts';
import type { EvalResult, EvalRun } from './eval.types.ts';
import { scorerRegistry } from './evals.dependencies.ts';
import { renderReport } from './report-html.ts';
import { summarize } from './summarize.ts';

function fixture(): { run: EvalRun; results: EvalResult[] } {
  const variants = ['local', 'openai:gpt-test'];
  const scorers = [
    { name: 'label', as: 'label', options: {} },
    { name: 'rouge-l', as: 'rouge-l', options: {} },
  ];
  const results: EvalResult[] = [];
  for (let position = 0; position < 20; position += 1) {
    for (const variant of variants) {
      const strong = variant === 'local';
      const right = strong || position % 4 !== 0;
      results.push({
        runId: 'run-1',
        itemId: `item-${position}`,
        position,
        variant,
        output: { label: right ? 'billing' : 'other', summary: `Summary <${position}>` },
        scores: {
          label: {
            value: right ? 1 : 0,
            details: { expected: 'billing', predicted: right ? 'billing' : 'other' },
          },
          'rouge-l': { value: strong ? 0.6 + (position % 5) * 0.08 : 0.3 + (position % 7) * 0.05 },
        },
        latencyMs: strong ? 5 + position : 40 + position * 3,
        inputTokens: strong ? 0 : 50,
        outputTokens: strong ? 0 : 12,
        costUsd: strong ? 0 : 0.0004,
        error: position === 7 && !strong ? { code: 'GATEWAY_TIMEOUT', detail: 'slow' } : null,
      });
    }
  }
  const base: EvalRun = {
    id: 'run-1',
    tenantId: 't',
    datasetId: 'd',
    datasetVersion: 3,
    capability: 'classify',
    variants,
    scorers,
    concurrency: 4,
    status: 'succeeded',
    jobId: 'job-1',
    completed: 40,
    total: 40,
    summary: null,
    error: null,
    createdAt: new Date('2026-11-21T10:00:00Z'),
    startedAt: new Date('2026-11-21T10:00:01Z'),
    finishedAt: new Date('2026-11-21T10:00:09Z'),
  };
  return { run: { ...base, summary: summarize(variants, scorers, scorerRegistry(), results) }, results };
}

describe('the HTML report', () => {
  it('is self-contained: no script, no external reference, escaped content', () => {
    const { run, results } = fixture();
    const html = renderReport({ run, results, comparison: compareRuns({ run, results }, { run, results }) });
    expect(html).not.toMatch(/<script|https?:\/\/|<link/);
    expect(html).toContain('Summary &lt;3&gt;');
    expect(html).toContain('GATEWAY_TIMEOUT');
  });

  it(
    'renders its charts in headless Chromium (screenshot)',
    requiresWith({ timeout: 60_000 }, 'chromium'),
    async () => {
      const { chromium } = await import('playwright-core');
      const { run, results } = fixture();
      const html = renderReport({
        run,
        results,
        datasetName: 'tickets',
        comparison: compareRuns({ run, results }, { run, results }),
      });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const requests: string[] = [];
        page.on('request', (request) => requests.push(request.url()));
        await page.setContent(html, { waitUntil: 'load' });
        // Bars of both variants for each metric, with interval whiskers, and a histogram per metric.
        expect(await page.locator('#variant-bars svg').count()).toBe(2);
        expect(await page.locator('#variant-bars rect').count()).toBe(4);
        expect(await page.locator('#distributions svg').count()).toBe(2);
        expect(await page.locator('#distributions rect').count()).toBeGreaterThan(4);
        const bar = await page.locator('#variant-bars rect').first().boundingBox();
        expect(bar?.height).toBeGreaterThan(100);
        // The weaker variant's ROUGE-L is lower on every item, so all 20 regressed.
        expect(await page.locator('#regressions tr').count()).toBe(1 + 20);
        expect(await page.locator('#items tr').count()).toBe(21);
        const screenshot = await page.screenshot({
          fullPage: true,
          ...(process.env.KEEL_REPORT_SCREENSHOT ? { path: process.env.KEEL_REPORT_SCREENSHOT } : {}),
        });
        // A PNG of a page with coloured charts: well beyond a blank page's few kilobytes.
        expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
        expect(screenshot.byteLength).toBeGreaterThan(30_000);
        expect(
          requests.filter((address) => !address.startsWith('about:') && !address.startsWith('data:')),
        ).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
