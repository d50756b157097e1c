export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/** A Markdown table padded to line up in a terminal too (so it can be pasted into docs as printed). */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, 3, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const cell = (text: string, index: number) =>
    columns[index]?.align === 'right' ? text.padStart(widths[index] ?? 0) : text.padEnd(widths[index] ?? 0);
  const line = (cells: readonly string[]) =>
    `| ${columns.map((_, index) => cell(cells[index] ?? '', index)).join(' | ')} |`;
  const rule = `| ${widths
    .map((width, index) =>
      columns[index]?.align === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
    )
    .join(' | ')} |`;
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join('\n');
}
