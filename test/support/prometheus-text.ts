/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for asserting `/metrics`: every line
 * must be a HELP, a TYPE or a sample; samples belong to a declared family; histograms have monotonic
 * buckets ending in `+Inf` equal to `_count`. Throws on the first violation.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,\s*|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('# HELP ')) {
      const [, name, ...rest] = line.split(' ').slice(1);
      if (!name || !new RegExp(`^${NAME}$`).test(name)) throw new Error(`bad HELP, ${where}`);
      help.set(name, rest.join(' '));
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!name || !type || !TYPES.has(type)) throw new Error(`bad TYPE, ${where}`);
      if (families.has(name)) throw new Error(`TYPE declared twice, ${where}`);
      families.set(name, { name, type, help: help.get(name) ?? '', samples: [] });
      return;
    }
    if (line.startsWith('#')) return;
    const match = SAMPLE.exec(line);
    if (!match?.[1] || match[3] === undefined) throw new Error(`not a sample, ${where}`);
    const value = parseValue(match[3], where);
    const labels = parseLabels(match[2] ?? '', where);
    const family = familyOf(families, match[1]);
    if (!family) throw new Error(`sample of an undeclared family, ${where}`);
    family.samples.push({ name: match[1], labels, value });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** Values as Prometheus reads them (Go's ParseFloat: NaN and Inf in any case). */
function parseValue(text: string, where: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`bad value, ${where}`);
  return value;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text.trim();
  while (rest !== '') {
    const match = LABEL.exec(rest);
    if (!match?.[1] || match[2] === undefined) throw new Error(`bad labels, ${where}`);
    labels[match[1]] = match[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(match[0].length);
  }
  return labels;
}

function familyOf(families: Map<string, Family>, sample: string): Family | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (sample.endsWith(suffix)) {
      const family = families.get(sample.slice(0, -suffix.length));
      if (family) return family;
    }
  }
  return undefined;
}

function checkHistogram(family: Family): void {
  const series = new Map<string, Sample[]>();
  for (const sample of family.samples.filter((candidate) => candidate.name.endsWith('_bucket'))) {
    const { le: _le, ...rest } = sample.labels;
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const [key, buckets] of series) {
    let previous = -1;
    for (const bucket of buckets) {
      if (bucket.value < previous) throw new Error(`${family.name}${key}: buckets are not cumulative`);
      previous = bucket.value;
    }
    const infinity = buckets.at(-1);
    if (infinity?.labels.le !== '+Inf') throw new Error(`${family.name}${key}: last bucket is not +Inf`);
    const count = family.samples.find(
      (sample) => sample.name === `${family.name}_count` && JSON.stringify(sample.labels) === key,
    );
    if (count?.value !== infinity.value)
      throw new Error(`${family.name}${key}: +Inf bucket differs from _count`);
  }
}
