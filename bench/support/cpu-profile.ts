import { readFile } from 'node:fs/promises';

/** The fields of a V8 `.cpuprofile` (written by `node --cpu-prof`) that a self-time summary needs. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
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

function top(totals: Map<string, number>, busyMs: number, limit: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((ms / busyMs) * 1000) / 10 }));
}

/** Self time per function and per package, from the samples of a `.cpuprofile`; `(idle)` is left out of the shares. */
export async function summarizeCpuProfile(
  file: string,
  appRoot: string,
  limit = 15,
): Promise<CpuProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    const frame = frames.get(id);
    if (!frame) return;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    busyMs += ms;
    const where = owner(frame.url, frame.functionName, appRoot);
    const location =
      frame.url === ''
        ? ''
        : ` ${frame.url.replace(/^file:\/\//, '').replace(appRoot, '')}:${frame.lineNumber + 1}`;
    const name = `${frame.functionName || '(anonymous)'}${location}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    byPackage.set(where, (byPackage.get(where) ?? 0) + ms);
  });
  return {
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    topFunctions: top(byFunction, busyMs, limit),
    byPackage: top(byPackage, busyMs, limit),
  };
}
