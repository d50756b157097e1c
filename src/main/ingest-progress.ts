import path from 'node:path';

/** The stream the bar is drawn on: stderr, or a test's buffer. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const WIDTH = 24;

/**
 * `keel ingest`'s progress bar: one line redrawn in place on a terminal, one line per finished file
 * otherwise (logs, CI), so piping the output never fills it with carriage returns.
 */
export class IngestProgress {
  readonly #stream: ProgressStream;
  readonly #total: number;
  readonly #tty: boolean;
  #finished = 0;
  #bytes = 0;
  #current = '';

  constructor(stream: ProgressStream, total: number) {
    this.#stream = stream;
    this.#total = total;
    this.#tty = stream.isTTY === true;
  }

  uploading(file: string, bytes: number): void {
    this.#bytes += bytes;
    this.#current = `uploading ${path.basename(file)}`;
    this.#draw();
  }

  working(file: string, progress: { step: string; completed: number; total: number } | null): void {
    const step = progress ? `${progress.step} ${progress.completed}/${progress.total}` : 'queued';
    this.#current = `${path.basename(file)}: ${step}`;
    this.#draw();
  }

  /** Why the command waits (Keel busy, a retry): in the bar on a terminal, a line of its own otherwise. */
  note(text: string): void {
    if (!this.#tty) {
      this.#stream.write(`  ${text}\n`);
      return;
    }
    this.#current = text;
    this.#draw();
  }

  finished(): void {
    this.#finished += 1;
    if (!this.#tty) this.#stream.write(`${this.line()}\n`);
    else this.#draw();
  }

  done(): void {
    if (this.#tty) this.#stream.write('\n');
  }

  line(): string {
    const filled = this.#total === 0 ? WIDTH : Math.round((this.#finished / this.#total) * WIDTH);
    const bar =
      `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === WIDTH ? '=' : '>') : ''}`.padEnd(
        WIDTH,
      );
    return `[${bar}] ${this.#finished}/${this.#total} files, ${(this.#bytes / 1_048_576).toFixed(1)} MiB${this.#current ? `  ${this.#current}` : ''}`;
  }

  #draw(): void {
    if (!this.#tty) return;
    const columns = this.#stream.columns || 100;
    this.#stream.write(
      `\r${this.line()
        .slice(0, columns - 1)
        .padEnd(columns - 1)}`,
    );
  }
}
