#!/usr/bin/env node
// Entry point of the `keel` command and of `npm start`. Keel's sources are TypeScript run directly by Node 24
// (type stripping). Node's compile cache keeps each module's stripped and compiled form on disk (in the
// system's temporary directory, or NODE_COMPILE_CACHE), so a restart does not strip and compile the same
// few thousand modules again: about a third of a warm start's CPU (issue 22.9, docs/performance.md P6).
import { enableCompileCache } from 'node:module';
import { memoryRelaunch } from '../src/main/memory-settings.ts';

// Idle memory (issue 16, P6, decision 0198): the process replaces itself once (same pid, same stdio) with
// a smaller young generation and, on Linux, glibc's malloc returning large freed blocks to the system.
const relaunch = memoryRelaunch(process);
if (relaunch !== undefined && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, relaunch.argv, relaunch.env);
  } catch {
    // Not possible here (a platform without execve): run with Node's defaults.
  }
}
enableCompileCache?.();
await import('../src/main/cli.ts');
