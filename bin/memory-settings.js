// Memory settings of a `keel` process (issue 16, P6, decision 0198). Measured on an idle embedded
// `keel serve` (docs/performance.md P6):
// - V8's young generation grows to 2 x 16 MB semi-spaces while the module graph loads and stays there
//   (about 52 MB resident at idle, 20 MB of it live). Semi-spaces of at most 8 MB keep it near 20 MB; the
//   gateway bench showed no loss of throughput.
// - WebAssembly compilation of the embedded PostgreSQL peaks at about 580 MB of malloc'd compiler memory.
//   glibc raises its mmap threshold each time such a block is freed, so later blocks come from the heap
//   arenas, and the freed space stays resident (about 60 MB). A fixed threshold of 128 KB (glibc's default
//   starting value) keeps large blocks in their own mappings, which free() returns to the system.
// Both must be set when the process starts, hence a relaunch. A setting the user already gave wins.

export const SEMI_SPACE_FLAG = '--max-semi-space-size=8';
export const MALLOC_SETTINGS = { MALLOC_MMAP_THRESHOLD_: '131072' };

/**
 * The argv and environment to relaunch the current process with, or undefined when it already runs with
 * these settings (or the user chose others). `current` is `process` (a parameter for the tests).
 * @param {{ platform: string, execPath: string, execArgv: string[], argv: string[], env: Record<string, string | undefined> }} current
 * @returns {{ argv: string[], env: Record<string, string | undefined> } | undefined}
 */
export function memoryRelaunch(current) {
  const semiSpaceSet = [...current.execArgv, current.env.NODE_OPTIONS ?? ''].some((flag) =>
    /--max[-_]semi[-_]space[-_]size/.test(flag),
  );
  const flags = semiSpaceSet ? [] : [SEMI_SPACE_FLAG];
  const mallocEnv =
    current.platform === 'linux' && current.env.MALLOC_MMAP_THRESHOLD_ === undefined ? MALLOC_SETTINGS : {};
  if (flags.length === 0 && Object.keys(mallocEnv).length === 0) return undefined;
  return {
    argv: [current.execPath, ...flags, ...current.execArgv, ...current.argv.slice(1)],
    env: { ...current.env, ...mallocEnv },
  };
}
