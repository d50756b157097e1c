const MAX_BATCH = 200;

interface Pending<In, Out> {
  readonly input: In;
  readonly resolve: (output: Out) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: writes handed in while one is in flight (or in the same tick) go together in the next
 * one, so a burst costs one transaction of a few statements rather than one per item. Each caller gets
 * its own result; a failed batch fails every caller in it.
 */
export class GroupCommit<In, Out> {
  readonly #write: (batch: readonly In[]) => Promise<readonly Out[]>;
  readonly #maxBatch: number;
  #pending: Pending<In, Out>[] = [];
  #flushing: Promise<void> | undefined;

  constructor(write: (batch: readonly In[]) => Promise<readonly Out[]>, maxBatch = MAX_BATCH) {
    this.#write = write;
    this.#maxBatch = maxBatch;
  }

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#pending.push({ input, resolve, reject });
      this.#flushing ??= new Promise<void>((started) => setImmediate(started)).then(() => this.#flush());
    });
  }

  /** Resolves once everything submitted so far is written (or has failed). */
  async idle(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        const outputs = await this.#write(batch.map((pending) => pending.input));
        for (const [index, pending] of batch.entries()) pending.resolve(outputs[index] as Out);
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.#flushing = undefined;
  }
}
