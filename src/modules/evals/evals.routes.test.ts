import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyClassify, toyItems } from '../../../test/fixtures/evals/toy-classify.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';

let app: TestApp;

beforeAll(async () => {
  app = await buildTestApp({ extraCapabilities: [toyClassify] });
});
afterAll(async () => app?.close());

async function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await app.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return {
    status: response.statusCode,
    body: response.body
      ? /(application|problem)\+?\/?json/.test(String(response.headers['content-type'])) &&
        !String(response.headers['content-type']).includes('ndjson')
        ? response.json()
        : response.body
      : null,
    headers: response.headers,
  };
}

async function finished(runId: string) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const { body } = await call('GET', `/v1/eval-runs/${runId}`);
    if (body.status === 'succeeded' || body.status === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${runId} did not finish`);
}

describe('datasets', () => {
  it('validates items against the capability input schema, all or nothing', async () => {
    const bad = await call('POST', '/v1/datasets', {
      name: 'bad items',
      capability: 'toy-classify',
      items: [{ input: { text: 'fine' } }, { input: { text: '' } }, { input: { nope: 1 } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('EVAL_ITEM_INVALID');
    expect(bad.body.errors.map((error: { pointer: string }) => error.pointer)).toEqual(
      expect.arrayContaining(['/body/items/1/input/text', '/body/items/2/input/text']),
    );
    expect((await call('GET', '/v1/datasets')).body.items.map((d: { name: string }) => d.name)).not.toContain(
      'bad items',
    );
    const unknown = await call('POST', '/v1/datasets', { name: 'x', capability: 'nope' });
    expect(unknown.body.code).toBe('EVAL_CAPABILITY_UNKNOWN');
  });

  it('versions each batch of items, lists a version, exports JSONL, refuses duplicate names, deletes', async () => {
    const created = await call('POST', '/v1/datasets', {
      name: 'versions',
      capability: 'toy-classify',
      items: toyItems.slice(0, 2),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, item_count: 2 });
    const added = await call('POST', `/v1/datasets/${created.body.id}/items`, {
      items: toyItems.slice(2, 3),
    });
    expect(added.body.dataset).toMatchObject({ version: 2, item_count: 3 });
    expect(added.body.added[0]).toMatchObject({ version: 2, position: 2 });
    const v1 = await call('GET', `/v1/datasets/${created.body.id}/items?version=1`);
    expect(v1.body.items).toHaveLength(2);
    expect((await call('GET', `/v1/datasets/${created.body.id}/items?version=3`)).status).toBe(404);
    const exported = await call('GET', `/v1/datasets/${created.body.id}/export`);
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    const lines = String(exported.body)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(toyItems.slice(0, 3));
    expect(
      (await call('POST', '/v1/datasets', { name: 'versions', capability: 'toy-classify' })).status,
    ).toBe(409);
    expect((await call('DELETE', `/v1/datasets/${created.body.id}`)).status).toBe(204);
    expect((await call('GET', `/v1/datasets/${created.body.id}`)).status).toBe(404);
  });
});

describe('eval runs', () => {
  it('runs two variants as a job, aggregates with intervals, compares and reports', async () => {
    const dataset = await call('POST', '/v1/datasets', {
      name: 'tickets',
      capability: 'toy-classify',
      items: toyItems,
    });
    const started = await call('POST', '/v1/eval-runs', {
      dataset_id: dataset.body.id,
      variants: ['perfect', 'sloppy'],
      scorers: [
        { name: 'label' },
        { name: 'exact', as: 'exact-label', options: { field: 'label' } },
        { name: 'schema-valid' },
      ],
      concurrency: 2,
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'queued', dataset_version: 1, job_id: expect.any(String) });
    const run = await finished(started.body.id);
    expect(run.status).toBe('succeeded');
    expect(run.total).toBe(12);
    const [perfect, sloppy] = run.summary;
    expect(perfect.variant).toBe('perfect');
    expect(perfect.metrics.label).toMatchObject({ n: 6, mean: 1, ci95: [1, 1] });
    expect(perfect.extra['label.macro_f1']).toBe(1);
    // Texts of length divisible by 3 are mislabelled "other" by the sloppy variant.
    const wrong = toyItems.filter(
      (item) => item.input.text.length % 3 === 0 && item.expected.label !== 'other',
    ).length;
    expect(wrong).toBeGreaterThan(0);
    expect(sloppy.metrics.label.mean).toBeCloseTo((6 - wrong) / 6, 10);
    expect(sloppy.metrics.label.ci95[0]).toBeLessThan(sloppy.metrics.label.mean);
    expect(sloppy.metrics['schema-valid'].mean).toBe(1);

    const results = await call('GET', `/v1/eval-runs/${run.id}/results`);
    expect(results.body.results).toHaveLength(12);
    expect(results.body.results[0]).toMatchObject({ position: 0, output: { label: 'billing' } });

    const comparison = await call('GET', `/v1/eval-runs/${run.id}/compare`);
    expect(comparison.status).toBe(200);
    expect(comparison.body.baseline.variant).toBe('perfect');
    expect(comparison.body.candidate.variant).toBe('sloppy');
    expect(comparison.body.regressed).toHaveLength(wrong);
    expect(comparison.body.improved).toHaveLength(0);
    expect(comparison.body.means.label.delta).toBeCloseTo(-wrong / 6, 10);

    const report = await call('GET', `/v1/eval-runs/${run.id}/report`);
    expect(report.headers['content-type']).toContain('text/html');
    expect(String(report.body)).toContain('<svg');
    expect(String(report.body)).toContain('id="regressions"');

    // The job ends a moment after the run it executed is stored as succeeded.
    let job = await call('GET', `/v1/jobs/${run.job_id}`);
    for (let attempt = 0; attempt < 100 && job.body.status !== 'succeeded'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      job = await call('GET', `/v1/jobs/${run.job_id}`);
    }
    expect(job.body).toMatchObject({ capability: 'eval-run', status: 'succeeded' });
  });

  it('records a failing variant as errors scored 0, and refuses bad scorers and unknown datasets', async () => {
    const dataset = await call('POST', '/v1/datasets', {
      name: 'errors',
      capability: 'toy-classify',
      items: toyItems.slice(0, 2),
    });
    const started = await call('POST', '/v1/eval-runs', {
      dataset_id: dataset.body.id,
      variants: ['broken'],
      scorers: [{ name: 'label' }],
    });
    const run = await finished(started.body.id);
    expect(run.summary[0]).toMatchObject({ errors: 2, metrics: { label: { mean: 0, n: 2 } } });
    const results = await call('GET', `/v1/eval-runs/${run.id}/results`);
    expect(results.body.results[0].error.code).toBe('INTERNAL_ERROR');

    const badScorer = await call('POST', '/v1/eval-runs', {
      dataset_id: dataset.body.id,
      variants: ['perfect'],
      scorers: [{ name: 'nope' }, { name: 'regex', options: { pattern: '(' } }],
    });
    expect(badScorer.status).toBe(400);
    expect(badScorer.body.code).toBe('EVAL_SCORER_UNKNOWN');
    expect(badScorer.body.errors.map((error: { pointer: string }) => error.pointer)).toEqual([
      '/body/scorers/0/name',
      '/body/scorers/1/options/pattern',
    ]);
    const empty = await call('POST', '/v1/datasets', { name: 'empty', capability: 'toy-classify' });
    const emptyRun = await call('POST', '/v1/eval-runs', {
      dataset_id: empty.body.id,
      variants: ['perfect'],
      scorers: [{ name: 'exact' }],
    });
    expect(emptyRun.body.code).toBe('EVAL_DATASET_EMPTY');
    const missing = await call('POST', '/v1/eval-runs', {
      dataset_id: 'nope',
      variants: ['a'],
      scorers: [{ name: 'exact' }],
    });
    expect(missing.status).toBe(404);
    expect((await call('GET', '/v1/eval-runs/nope')).status).toBe(404);
  });
});

describe('feedback', () => {
  it('round-trips a correction into a dataset item as its expected output', async () => {
    const called = await call(
      'POST',
      '/v1/toy-classify',
      { text: 'my card was charged by mistake' },
      { 'x-request-id': 'feedback-call-1' },
    );
    expect(called.body.label).toBe('other');
    const invalid = await call('POST', '/v1/feedback', {
      request_id: 'feedback-call-1',
      correction: { label: 'sales' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('FEEDBACK_CORRECTION_INVALID');
    expect(invalid.body.errors[0].pointer).toBe('/body/correction/label');
    expect((await call('POST', '/v1/feedback', { request_id: 'feedback-call-1' })).body.code).toBe(
      'FEEDBACK_EMPTY',
    );
    expect((await call('POST', '/v1/feedback', { request_id: 'no-such-call', rating: 'up' })).status).toBe(
      404,
    );

    const given = await call('POST', '/v1/feedback', {
      request_id: 'feedback-call-1',
      rating: 'down',
      label: 'wrong-label',
      comment: 'this is billing',
      correction: { label: 'billing', engine: 'human' },
    });
    expect(given.status).toBe(201);
    expect(given.body).toMatchObject({ capability: 'toy-classify', rating: 'down' });
    await call('POST', '/v1/feedback', { request_id: 'feedback-call-1', rating: 5 });
    const listed = await call(
      'GET',
      '/v1/feedback?has_correction=true&rating=negative&capability=toy-classify',
    );
    expect(listed.body.items.map((entry: { id: string }) => entry.id)).toEqual([given.body.id]);

    const dataset = await call('POST', '/v1/datasets', { name: 'from feedback', capability: 'toy-classify' });
    const added = await call('POST', `/v1/datasets/${dataset.body.id}/items:from-feedback`, {
      feedback_ids: [given.body.id],
    });
    expect(added.status).toBe(201);
    expect(added.body.added[0]).toMatchObject({
      input: { text: 'my card was charged by mistake' },
      expected: { label: 'billing', engine: 'human' },
      feedback_id: given.body.id,
      metadata: { request_id: 'feedback-call-1', comment: 'this is billing', rating: 'down' },
    });
    expect(added.body.dataset.version).toBe(1);
    const unknown = await call('POST', `/v1/datasets/${dataset.body.id}/items:from-feedback`, {
      feedback_ids: ['nope'],
    });
    expect(unknown.status).toBe(400);
  });

  it('accepts feedback on a call made as a job, by `<job id>.<attempt>`', async () => {
    const created = await call('POST', '/v1/toy-classify/jobs', { text: 'the refund never arrived' });
    expect(created.status).toBe(202);
    const jobId = created.body.id as string;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      if ((await call('GET', `/v1/jobs/${jobId}`)).body.status === 'succeeded') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const given = await call('POST', '/v1/feedback', { request_id: `${jobId}.1`, rating: 4, label: 'fine' });
    expect(given.status).toBe(201);
    expect(given.body).toMatchObject({ capability: 'toy-classify', rating: 4, request_id: `${jobId}.1` });
    const listed = await call('GET', `/v1/feedback?request_id=${jobId}.1&rating=positive`);
    expect(listed.body.items).toHaveLength(1);
  });
});

describe('bad input', () => {
  it('answers any body or query on these routes with a 4xx problem, never a 5xx', async () => {
    const dataset = await call('POST', '/v1/datasets', {
      name: 'fuzz',
      capability: 'toy-classify',
      items: toyItems.slice(0, 1),
    });
    const started = await call('POST', '/v1/eval-runs', {
      dataset_id: dataset.body.id,
      variants: ['perfect'],
      scorers: [{ name: 'label' }],
    });
    const routes: Array<['GET' | 'POST', string]> = [
      ['POST', '/v1/datasets'],
      ['POST', `/v1/datasets/${dataset.body.id}/items`],
      ['POST', `/v1/datasets/${dataset.body.id}/items:from-feedback`],
      ['POST', '/v1/eval-runs'],
      ['POST', '/v1/feedback'],
    ];
    const queries = [
      `/v1/eval-runs/${started.body.id}/compare?`,
      `/v1/eval-runs/${started.body.id}/report?`,
      `/v1/datasets/${dataset.body.id}/items?`,
      `/v1/datasets/${dataset.body.id}/export?`,
      '/v1/feedback?',
      '/v1/datasets?',
      '/v1/eval-runs?',
    ];
    const key = fc.constantFrom(
      'baseline',
      'variant',
      'baseline_variant',
      'version',
      'limit',
      'offset',
      'cursor',
      'rating',
      'has_correction',
      'capability',
      'dataset_id',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.anything(),
        fc.constantFrom(...queries),
        fc.dictionary(key, fc.string({ maxLength: 40 })),
        async ([method, url], body, query, parameters) => {
          const posted = await call(
            method,
            url,
            body === undefined
              ? {}
              : {
                  value: body,
                  items: body,
                  scorers: body,
                  request_id: body,
                  dataset_id: body,
                  variants: body,
                },
          );
          expect(posted.status, `${method} ${url}`).toBeLessThan(500);
          if (body !== null && typeof body === 'object') {
            expect((await call(method, url, body)).status, `${method} ${url} raw`).toBeLessThan(500);
          }
          const read = await call('GET', `${query}${new URLSearchParams(parameters).toString()}`);
          expect(read.status, query).toBeLessThan(500);
          if (read.status >= 400) expect(read.headers['content-type']).toContain('application/problem+json');
        },
      ),
      { numRuns: 60 },
    );
  });
});
