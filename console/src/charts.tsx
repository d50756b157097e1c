// Small inline-SVG charts: enough for counts, spend and score distributions, no chart library. Each has a
// text alternative (a title and a visually hidden table) so the numbers are readable without the picture.

export interface Bar {
  readonly label: string;
  readonly value: number;
}

export function BarChart(props: {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly format?: (value: number) => string;
  readonly testId?: string;
}) {
  const format = props.format ?? ((value: number) => String(value));
  const width = 480;
  const rowHeight = 24;
  const labelWidth = 150;
  const valueWidth = 80;
  const height = Math.max(1, props.bars.length) * rowHeight + 8;
  const max = Math.max(0, ...props.bars.map((bar) => bar.value));
  const scale = (value: number) => (max === 0 ? 0 : (value / max) * (width - labelWidth - valueWidth));
  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      {props.bars.length === 0 ? (
        <p class="muted">No data yet.</p>
      ) : (
        <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title} width="100%">
          <title>{props.title}</title>
          {props.bars.map((bar, index) => {
            const y = 4 + index * rowHeight;
            return (
              <g key={bar.label}>
                <text x={labelWidth - 8} y={y + 17} text-anchor="end" class="chart-label">
                  {bar.label.length > 22 ? `${bar.label.slice(0, 21)}…` : bar.label}
                </text>
                <rect
                  x={labelWidth}
                  y={y + 3}
                  width={Math.max(1, scale(bar.value))}
                  height={rowHeight - 8}
                  rx="3"
                  class="chart-bar"
                />
                <text x={labelWidth + scale(bar.value) + 6} y={y + 17} class="chart-value">
                  {format(bar.value)}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      <table class="visually-hidden">
        <caption>{props.title}</caption>
        <tbody>
          {props.bars.map((bar) => (
            <tr key={bar.label}>
              <th scope="row">{bar.label}</th>
              <td>{format(bar.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Counts of values in equal-width bins between min and max (scores in [0, 1] by default). */
export function histogram(values: readonly number[], bins = 10, min = 0, max = 1): Bar[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (const value of values) {
    const index = Math.min(bins - 1, Math.max(0, Math.floor((value - min) / width)));
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts.map((count, index) => ({
    label: `${(min + index * width).toFixed(1)}–${(min + (index + 1) * width).toFixed(1)}`,
    value: count,
  }));
}

/** Sums of `value` grouped by `key`, largest first. */
export function groupSum<T>(
  items: readonly T[],
  key: (item: T) => string,
  value: (item: T) => number,
): Bar[] {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0) + value(item));
  return [...sums].map(([label, total]) => ({ label, value: total })).sort((a, b) => b.value - a.value);
}
