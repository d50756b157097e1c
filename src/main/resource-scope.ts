type Close = () => Promise<unknown> | unknown;

/**
 * What a composition root opened, in order, so that it is closed in reverse: all of it on `close()`, or,
 * when a later step throws while building, whatever was opened before it (a database, a pool of threads,
 * a connection: a failed start must not leave a lock held or keep the process alive).
 */
export class ResourceScope {
  readonly #opened: { readonly name: string; readonly close: Close }[] = [];
  #closing: Promise<void> | undefined;

  /** Opens one resource and owns it from then on. */
  async open<T>(
    name: string,
    open: () => Promise<T> | T,
    close: (resource: T) => Promise<unknown> | unknown,
  ) {
    const resource = await open();
    this.#opened.push({ name, close: () => close(resource) });
    return resource;
  }

  /** Owns something that needs closing but was made in passing (a timer, a writer's buffer). */
  own(name: string, close: Close): void {
    this.#opened.push({ name, close });
  }

  /**
   * Closes everything in reverse order, each once, every one tried even when an earlier one fails; then
   * throws the first failure, its resource named.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      let failure: Error | undefined;
      for (const { name, close } of this.#opened.reverse()) {
        try {
          await close();
        } catch (error) {
          failure ??= new Error(`closing ${name} failed: ${String(error)}`, { cause: error });
        }
      }
      if (failure) throw failure;
    })();
    return this.#closing;
  }
}

/**
 * Runs a builder in a fresh scope. If it throws, what it opened is closed (a failure to close is attached to
 * the error, never hiding it) and the error goes on; else the scope is the caller's to close.
 */
export async function buildInScope<T>(build: (scope: ResourceScope) => Promise<T>): Promise<T> {
  const scope = new ResourceScope();
  try {
    return await build(scope);
  } catch (error) {
    await scope.close().catch((closeError: unknown) => {
      if (error instanceof Error && error.cause === undefined) Object.assign(error, { cause: closeError });
    });
    throw error;
  }
}

/**
 * Runs a one-shot command in a fresh scope and closes everything it opened once it is done, whether it
 * returned or threw (a failure to close is attached to a thrown error, never hiding it, or else thrown).
 */
export async function runInScope<T>(run: (scope: ResourceScope) => Promise<T>): Promise<T> {
  const scope = new ResourceScope();
  let result: T;
  try {
    result = await run(scope);
  } catch (error) {
    await scope.close().catch((closeError: unknown) => {
      if (error instanceof Error && error.cause === undefined) Object.assign(error, { cause: closeError });
    });
    throw error;
  }
  await scope.close();
  return result;
}
