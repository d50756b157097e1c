// Memory settings of a `keel` process (issue 16, P6, decision 0198). Measured on an idle embedded
// `keel serve` (docs/performance.md P6):
// - V8's young generation grows to 64 MB (two 32 MB semi-spaces) while the module graph loads and stays
//   there (52 MB resident at idle). Semi-spaces of at most 8 MB leave 2 MB resident at idle and a third
//   less RSS under load, for about 5 % more CPU per request (within the noise of the load test).
// - WebAssembly compilation of the embedded PostgreSQL peaks at about 580 MB of malloc'd compiler memory.
//   glibc raises its mmap threshold each time such a block is freed, so later blocks come from the heap
//   arenas, and the freed space stays resident (about 60 MB). A fixed threshold of 1 MB keeps large blocks
//   in their own mappings, which free() returns to the system, and (being fixed) keeps glibc trimming the
//   top of its heap. 128 KB saved the same memory but cost about 0.3 s more CPU at start.
// Both must be set when the process starts, hence a relaunch. A setting the user already gave wins.

export const SEMI_SPACE_FLAG = '--max-semi-space-size=8';
export const MALLOC_SETTINGS: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '1048576' };

/** What `memoryRelaunch` reads of the current process (`process` itself; a parameter for the tests). */
export interface ProcessLaunch {
  readonly platform: string;
  readonly execPath: string;
  readonly execArgv: readonly string[];
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The argv and environment to relaunch the current process with, or undefined when it already runs with
 * these settings (or the user chose others).
 */
export function memoryRelaunch(
  current: ProcessLaunch,
): { argv: string[]; env: Record<string, string | undefined> } | undefined {
  const semiSpaceSet = [...current.execArgv, current.env.NODE_OPTIONS ?? ''].some((flag) =>
    /--max[-_]semi[-_]space[-_]size/.test(flag),
  );
  const flags = semiSpaceSet ? [] : [SEMI_SPACE_FLAG];
  const mallocEnv: Record<string, string> =
    current.platform === 'linux' && current.env.MALLOC_MMAP_THRESHOLD_ === undefined ? MALLOC_SETTINGS : {};
  if (flags.length === 0 && Object.keys(mallocEnv).length === 0) return undefined;
  return {
    argv: [current.execPath, ...flags, ...current.execArgv, ...current.argv.slice(1)],
    env: { ...current.env, ...mallocEnv },
  };
}
