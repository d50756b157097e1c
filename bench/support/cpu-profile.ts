import { copyFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildHandle } from './processes.ts';
import { RESULTS_DIR } from './results.ts';
import { formatTable } from './table.ts';

/** The fields of a V8 `.cpuprofile` (written by `node --cpu-prof`) that a self-time summary needs. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  /** Share of the busy (non-idle) time, in percent. */
  readonly percent: number;
  readonly ms: number;
}

export interface CpuProfileSummary {
  /** Whether only the samples from `fromMicros` on were counted (false: the whole profile, start-up included). */
  readonly windowed: boolean;
  readonly fromMicros?: number;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly topFunctions: readonly SelfTime[];
  readonly byPackage: readonly SelfTime[];
}

function nodeCoreArea(url: string): string {
  if (url.includes('deps/undici')) return 'node: undici (fetch)';
  if (/_http_|internal\/http/.test(url)) return 'node: http';
  if (/node:net|stream|internal\/streams/.test(url)) return 'node: net and streams';
  if (/modules\/|internal\/vm/.test(url)) return 'node: module loading';
  return 'node: other core';
}

/** Where a frame's code lives: an npm package, Node's internals, the app's own files, or V8 itself. */
function owner(url: string, functionName: string, appRoot: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return nodeCoreArea(url);
  if (url.startsWith('wasm://')) return '(WebAssembly)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1]) return match[1];
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(appRoot)
    ? `app: ${path.slice(appRoot.length).split('/').slice(0, 3).join('/')}`
    : path;
}

/** `node_modules/...` or a path relative to the app root. */
function shortPath(url: string, appRoot: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) return path.slice(modules);
  return path.startsWith(appRoot) ? path.slice(appRoot.length) : path;
}

function top(totals: Map<string, number>, busyMs: number, limit: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((ms / busyMs) * 1000) / 10 }));
}

/** Microseconds on the monotonic clock V8 stamps `.cpuprofile` samples with (Linux: CLOCK_MONOTONIC, as here). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface SummaryOptions {
  readonly limit?: number;
  /** Count only samples from this `monotonicMicros()` time on, e.g. to leave start-up out. */
  readonly fromMicros?: number;
}

/** Self time per function and per package, from the samples of a `.cpuprofile`; `(idle)` is left out of the shares. */
export async function summarizeCpuProfile(
  file: string,
  appRoot: string,
  options: SummaryOptions = {},
): Promise<CpuProfileSummary> {
  const { limit = 20 } = options;
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  // A cut-off outside the profile means the clocks differ (another OS): count everything rather than nothing.
  const from =
    options.fromMicros !== undefined &&
    options.fromMicros > profile.startTime &&
    options.fromMicros < profile.endTime
      ? options.fromMicros
      : undefined;
  let at = profile.startTime;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    const frame = frames.get(id);
    if (!frame || (from !== undefined && at < from)) return;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    busyMs += ms;
    const where = owner(frame.url, frame.functionName, appRoot);
    const location = frame.url === '' ? '' : ` ${shortPath(frame.url, appRoot)}:${frame.lineNumber + 1}`;
    const name = `${frame.functionName || '(anonymous)'}${location}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    byPackage.set(where, (byPackage.get(where) ?? 0) + ms);
  });
  return {
    windowed: from !== undefined,
    ...(from === undefined ? {} : { fromMicros: from }),
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    topFunctions: top(byFunction, busyMs, limit),
    byPackage: top(byPackage, busyMs, limit),
  };
}

export type KeptCpuProfile = CpuProfileSummary & { readonly file: string };

/** `node --cpu-prof --cpu-prof-dir <dir>`: the flags that make a child write its profile on exit. */
export function cpuProfileFlags(dir: string | undefined): string[] {
  return dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', dir];
}

/**
 * Stops a child started with `cpuProfileFlags(dir)` (the profile is written on a normal exit), keeps the
 * profile as `bench/results/<name>.cpuprofile` (open it in Chrome DevTools or speedscope) and summarizes it.
 */
export async function collectCpuProfile(
  handle: ChildHandle,
  dir: string,
  name: string,
  appRoot: string,
  fromMicros: number | undefined,
): Promise<KeptCpuProfile> {
  await handle.stop(30_000);
  const file = path.join(RESULTS_DIR, `${name}.cpuprofile`);
  // Node writes the profile as the process ends; it can appear (or be listed, then renamed) a moment after
  // the exit is seen. The main thread's profile is the one whose thread id is 0.
  for (let attempt = 0; ; attempt += 1) {
    const written = (await readdir(dir))
      .filter((entry) => entry.endsWith('.cpuprofile'))
      .sort((a, b) => Number(/\.0\.\d+\.cpuprofile$/.test(b)) - Number(/\.0\.\d+\.cpuprofile$/.test(a)))[0];
    try {
      if (written === undefined) throw Object.assign(new Error('no profile yet'), { code: 'ENOENT' });
      await copyFile(path.join(dir, written), file);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT' || attempt >= 20)
        throw new Error(`${handle.name} wrote no CPU profile in ${dir}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  return { file, ...(await summarizeCpuProfile(file, appRoot, { fromMicros })) };
}

export function formatCpuProfile(label: string, profile: KeptCpuProfile): string {
  const percent = (entry: SelfTime) => [entry.name, entry.percent.toFixed(1)];
  return [
    `CPU profile of ${label} (${profile.file}), ${profile.windowed ? 'measured rounds only' : 'whole process life'}: ${profile.busyMs} ms busy, ${profile.idleMs} ms idle`,
    formatTable(
      [{ header: 'self time by package' }, { header: '% busy', align: 'right' }],
      profile.byPackage.map(percent),
    ),
    '',
    formatTable(
      [{ header: 'top self-time functions' }, { header: '% busy', align: 'right' }],
      profile.topFunctions.map(percent),
    ),
  ].join('\n');
}
