import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Embedder, EmbedOptions } from '../../src/local-engine/index.ts';

/**
 * Keeps the vectors an embedder computed in a file under bench/results/ so re-running the quality
 * benchmark does not re-embed 10,000 texts (~15 minutes on 2 shared cores). The vectors are the
 * embedder's own; `--fresh` ignores the file. Throughput is measured separately, never from here.
 */
export class FileCachedEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly #inner: Embedder;
  readonly #file: string;
  readonly #vectors = new Map<string, Float32Array>();
  #dirty = false;
  hits = 0;
  misses = 0;

  constructor(inner: Embedder, file: string) {
    this.#inner = inner;
    this.#file = file;
    this.modelId = inner.modelId;
    this.dimensions = inner.dimensions;
  }

  static key(text: string): string {
    return createHash('sha256').update(text).digest('base64url').slice(0, 22);
  }

  async load(): Promise<void> {
    if (!existsSync(this.#file)) return;
    const buffer = await readFile(this.#file);
    const header = JSON.parse(buffer.subarray(4, 4 + buffer.readUInt32LE(0)).toString('utf8')) as {
      modelId: string;
      keys: string[];
    };
    if (header.modelId !== this.modelId) return;
    const data = new Float32Array(
      buffer.buffer.slice(buffer.byteOffset + 4 + buffer.readUInt32LE(0), buffer.byteOffset + buffer.length),
    );
    header.keys.forEach((key, index) => {
      this.#vectors.set(key, data.slice(index * this.dimensions, (index + 1) * this.dimensions));
    });
  }

  async save(): Promise<void> {
    if (!this.#dirty) return;
    const keys = [...this.#vectors.keys()];
    const header = Buffer.from(JSON.stringify({ modelId: this.modelId, keys }));
    const data = new Float32Array(keys.length * this.dimensions);
    keys.forEach((key, index) => {
      data.set(this.#vectors.get(key) as Float32Array, index * this.dimensions);
    });
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length, 0);
    await mkdir(path.dirname(this.#file), { recursive: true });
    await writeFile(this.#file, Buffer.concat([length, header, Buffer.from(data.buffer)]));
    this.#dirty = false;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const keys = texts.map((text) => FileCachedEmbedder.key(text));
    const missing = [...new Set(keys.filter((key) => !this.#vectors.has(key)))];
    this.hits += keys.length - missing.length;
    if (missing.length > 0) {
      const textByKey = new Map(texts.map((text, index) => [keys[index] as string, text]));
      const vectors = await this.#inner.embed(
        missing.map((key) => textByKey.get(key) as string),
        options,
      );
      missing.forEach((key, index) => {
        this.#vectors.set(key, vectors[index] as Float32Array);
      });
      this.misses += missing.length;
      this.#dirty = true;
    }
    return keys.map((key) => this.#vectors.get(key) as Float32Array);
  }
}
