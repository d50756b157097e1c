import type { Comparison } from './compare.ts';
import type { EvalResult, EvalRun } from './eval.types.ts';

const COLOURS = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#64748b'];

export interface ReportInput {
  readonly run: EvalRun;
  readonly results: readonly EvalResult[];
  readonly datasetName?: string | undefined;
  readonly comparison?: Comparison | undefined;
  /** Rows of the per-item table (the rest are counted). */
  readonly maxItems?: number | undefined;
}

/**
 * One self-contained HTML page (inline CSS and SVG, no script, no network) for a finished run: per-variant
 * bars with 95% intervals, score distributions, the regressions and improvements of a comparison, and the
 * per-item table. Opens offline in any browser; CI can keep it as an artifact.
 */
export function renderReport(input: ReportInput): string {
  const { run, results } = input;
  const metrics = run.scorers.map((spec) => spec.as);
  const colour = (variant: string) => COLOURS[run.variants.indexOf(variant) % COLOURS.length] ?? '#64748b';
  const legend = run.variants
    .map(
      (variant) =>
        `<span class="key"><i style="background:${colour(variant)}"></i>${escapeHtml(variant)}</span>`,
    )
    .join(' ');
  const summaryRows = (run.summary ?? [])
    .map(
      (summary) =>
        `<tr><th>${escapeHtml(summary.variant)}</th>${metrics
          .map((metric) => {
            const value = summary.metrics[metric];
            return `<td>${value ? `${fixed(value.mean)} <small>[${fixed(value.ci95[0])}, ${fixed(value.ci95[1])}] n=${value.n}</small>` : '–'}</td>`;
          })
          .join('')}<td>${Object.entries(summary.extra)
          .map(([name, value]) => `${escapeHtml(name)} ${fixed(value)}`)
          .join(
            '<br>',
          )}</td><td>${summary.errors}/${summary.items}</td><td>${Math.round(summary.latencyMs.p50)} / ${Math.round(summary.latencyMs.p95)}</td><td>${summary.tokens.input + summary.tokens.output}</td><td>${summary.costUsd === null ? '–' : `$${summary.costUsd.toFixed(4)}`}</td></tr>`,
    )
    .join('');
  const itemRows = groupByItem(results)
    .slice(0, input.maxItems ?? 500)
    .map(
      ([position, byVariant]) =>
        `<tr><td>${position}</td>${run.variants
          .map((variant) => {
            const result = byVariant.get(variant);
            if (!result) return '<td>–</td>';
            if (result.error) return `<td class="bad">${escapeHtml(result.error.code)}</td>`;
            return `<td>${metrics.map((metric) => `${escapeHtml(metric)} ${result.scores[metric] ? fixed(result.scores[metric]?.value ?? 0) : '–'}`).join('<br>')}<div class="out">${escapeHtml(preview(result.output))}</div></td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keel eval run ${escapeHtml(run.id)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#0f172a;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}
small{color:#64748b}.meta{color:#475569}.key{margin-right:12px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
.bad{color:#b91c1c}.good{color:#15803d}.out{color:#475569;font-size:12px;max-width:360px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{font-size:12px;color:#475569}
</style></head><body>
<h1>Eval run ${escapeHtml(run.id)}</h1>
<div class="meta">capability <b>${escapeHtml(run.capability)}</b> · dataset ${escapeHtml(input.datasetName ?? run.datasetId)} version ${run.datasetVersion} · ${run.total} evaluations · status ${escapeHtml(run.status)} · ${run.finishedAt ? escapeHtml(run.finishedAt.toISOString()) : ''}</div>
<p>${legend}</p>
<h2>Per-variant scores (mean, 95% t-interval)</h2>
<div class="charts" id="variant-bars">${metrics.map((metric) => variantBars(run, metric, colour)).join('')}</div>
<table id="summary"><tr><th>variant</th>${metrics.map((metric) => `<th>${escapeHtml(metric)}</th>`).join('')}<th>extra</th><th>errors</th><th>latency p50 / p95 ms</th><th>tokens</th><th>cost</th></tr>${summaryRows}</table>
<h2>Score distributions</h2>
<div class="charts" id="distributions">${metrics.map((metric) => histogram(run, results, metric, colour)).join('')}</div>
${input.comparison ? comparisonSection(input.comparison) : ''}
<h2>Items</h2>
<table id="items"><tr><th>#</th>${run.variants.map((variant) => `<th>${escapeHtml(variant)}</th>`).join('')}</tr>${itemRows}</table>
</body></html>
`;
}

function variantBars(run: EvalRun, metric: string, colour: (variant: string) => string): string {
  const width = 60 + run.variants.length * 70;
  const height = 200;
  const plot = 150;
  const bars = (run.summary ?? [])
    .map((summary, index) => {
      const value = summary.metrics[metric];
      if (!value) return '';
      const x = 50 + index * 70;
      const y = (v: number) => 20 + plot * (1 - v);
      return `<rect x="${x}" y="${y(value.mean)}" width="40" height="${plot * value.mean}" fill="${colour(summary.variant)}"><title>${escapeHtml(summary.variant)}: ${fixed(value.mean)}</title></rect>
<line x1="${x + 20}" x2="${x + 20}" y1="${y(value.ci95[1])}" y2="${y(value.ci95[0])}" stroke="#0f172a"/>
<line x1="${x + 12}" x2="${x + 28}" y1="${y(value.ci95[1])}" y2="${y(value.ci95[1])}" stroke="#0f172a"/>
<line x1="${x + 12}" x2="${x + 28}" y1="${y(value.ci95[0])}" y2="${y(value.ci95[0])}" stroke="#0f172a"/>
<text x="${x + 20}" y="${y(value.mean) - 4}" font-size="11" text-anchor="middle">${fixed(value.mean)}</text>
<text x="${x + 20}" y="${height - 8}" font-size="11" text-anchor="middle">${escapeHtml(truncate(summary.variant, 11))}</text>`;
    })
    .join('');
  return `<figure><svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(metric)} by variant">${axis(plot)}${bars}</svg><figcaption>${escapeHtml(metric)}</figcaption></figure>`;
}

function histogram(
  run: EvalRun,
  results: readonly EvalResult[],
  metric: string,
  colour: (variant: string) => string,
): string {
  const bins = 10;
  const width = 60 + bins * 24;
  const height = 200;
  const plot = 150;
  const counts = run.variants.map((variant) => {
    const row = new Array<number>(bins).fill(0);
    for (const result of results) {
      const score = result.variant === variant ? result.scores[metric] : undefined;
      if (!score) continue;
      row[Math.min(bins - 1, Math.floor(score.value * bins))] =
        (row[Math.min(bins - 1, Math.floor(score.value * bins))] ?? 0) + 1;
    }
    return row;
  });
  const max = Math.max(1, ...counts.flat());
  const barWidth = 22 / Math.max(1, run.variants.length);
  const bars = counts
    .flatMap((row, variantIndex) =>
      row.map((count, bin) => {
        if (count === 0) return '';
        const h = (plot * count) / max;
        const variant = run.variants[variantIndex] ?? '';
        return `<rect x="${50 + bin * 24 + variantIndex * barWidth}" y="${20 + plot - h}" width="${barWidth}" height="${h}" fill="${colour(variant)}"><title>${escapeHtml(variant)} ${(bin / bins).toFixed(1)}–${((bin + 1) / bins).toFixed(1)}: ${count}</title></rect>`;
      }),
    )
    .join('');
  const ticks = [0, 0.5, 1]
    .map(
      (tick) =>
        `<text x="${50 + tick * bins * 24}" y="${height - 12}" font-size="10" text-anchor="middle">${tick}</text>`,
    )
    .join('');
  return `<figure><svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(metric)} distribution"><line x1="48" x2="48" y1="20" y2="${20 + plot}" stroke="#94a3b8"/><line x1="48" x2="${50 + bins * 24}" y1="${20 + plot}" y2="${20 + plot}" stroke="#94a3b8"/><text x="44" y="26" font-size="10" text-anchor="end">${max}</text>${bars}${ticks}</svg><figcaption>${escapeHtml(metric)}: items per score bin</figcaption></figure>`;
}

function axis(plot: number): string {
  const ticks = [0, 0.5, 1]
    .map((tick) => {
      const y = 20 + plot * (1 - tick);
      return `<line x1="44" x2="48" y1="${y}" y2="${y}" stroke="#94a3b8"/><text x="40" y="${y + 4}" font-size="10" text-anchor="end">${tick}</text>`;
    })
    .join('');
  return `${ticks}<line x1="48" x2="48" y1="20" y2="${20 + plot}" stroke="#94a3b8"/>`;
}

function comparisonSection(comparison: Comparison): string {
  const row = (change: Comparison['regressed'][number], kind: 'bad' | 'good') =>
    `<tr class="${kind}"><td>${change.position}</td><td>${Object.entries(change.changes)
      .map(
        ([metric, [a, b]]) =>
          `${escapeHtml(metric)} ${a === null ? '–' : fixed(a)} → ${b === null ? '–' : fixed(b)}`,
      )
      .join('<br>')}</td><td>${change.candidateError ? escapeHtml(change.candidateError) : ''}</td></tr>`;
  const means = Object.entries(comparison.means)
    .map(
      ([metric, mean]) =>
        `<tr><th>${escapeHtml(metric)}</th><td>${fixed(mean.baseline)}</td><td>${fixed(mean.candidate)}</td><td class="${mean.delta < 0 ? 'bad' : 'good'}">${mean.delta >= 0 ? '+' : ''}${fixed(mean.delta)}</td></tr>`,
    )
    .join('');
  return `<h2>Comparison: ${escapeHtml(comparison.baseline.variant)} (${escapeHtml(comparison.baseline.runId)}) → ${escapeHtml(comparison.candidate.variant)} (${escapeHtml(comparison.candidate.runId)})</h2>
<table id="comparison-means"><tr><th>metric</th><th>baseline</th><th>candidate</th><th>Δ</th></tr>${means}</table>
<p>${comparison.regressed.length} regressed · ${comparison.improved.length} improved · ${comparison.unchanged} unchanged${comparison.unmatched ? ` · ${comparison.unmatched} unmatched` : ''}</p>
<h2>Regressions</h2>
<table id="regressions"><tr><th>#</th><th>change</th><th>error</th></tr>${comparison.regressed.map((change) => row(change, 'bad')).join('') || '<tr><td colspan="3">none</td></tr>'}</table>
<h2>Improvements</h2>
<table id="improvements"><tr><th>#</th><th>change</th><th>error</th></tr>${comparison.improved.map((change) => row(change, 'good')).join('') || '<tr><td colspan="3">none</td></tr>'}</table>`;
}

function groupByItem(results: readonly EvalResult[]): Array<[number, Map<string, EvalResult>]> {
  const map = new Map<number, Map<string, EvalResult>>();
  for (const result of results) {
    const row = map.get(result.position) ?? new Map<string, EvalResult>();
    row.set(result.variant, result);
    map.set(result.position, row);
  }
  return [...map.entries()].sort(([a], [b]) => a - b);
}

function preview(output: unknown): string {
  return truncate(typeof output === 'string' ? output : JSON.stringify(output ?? null), 160);
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function fixed(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : '–';
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
