// The import graph of src/ (static imports, `import type`, re-exports, side-effect imports and dynamic
// `import()` with a literal specifier) and the layer rules of docs/architecture.md. TypeScript 7 has no
// JavaScript API, so statements are matched where they start a line, which is where Biome's formatter puts
// every one of them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  /** Repository-relative path of the importing file. */
  readonly from: string;
  /** Repository-relative path of the imported file, or the bare package specifier. */
  readonly to: string;
}

export const repositoryRoot = resolve(import.meta.dirname, '../..');

const importPattern = new RegExp(
  [
    /^import\s+(?:type\s+)?(?:[\w$]+\s*,?\s*)?(?:\*\s+as\s+[\w$]+|\{[^}]*\})?\s*from\s*['"]([^'"]+)['"]/
      .source,
    /^import\s*['"]([^'"]+)['"]/.source,
    /^export\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*['"]([^'"]+)['"]/.source,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/.source,
  ].join('|'),
  'gm',
);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

export function importsOf(file: string, text: string, root = repositoryRoot): ImportEdge[] {
  const from = relative(root, file);
  const specifiers = [...text.matchAll(importPattern)].map(
    (match) => match[1] ?? match[2] ?? match[3] ?? match[4] ?? '',
  );
  return specifiers.map((fileName) => ({
    from,
    to: fileName.startsWith('.') ? relative(root, resolve(dirname(file), fileName)) : fileName,
  }));
}

/** Every import of every file under `src/` (tests next to the code included; the rules skip them). */
export function readImportGraph(root = repositoryRoot): ImportEdge[] {
  return sourceFiles(join(root, 'src')).flatMap((file) => importsOf(file, readFileSync(file, 'utf8'), root));
}

export type Layer = 'main' | 'entry' | 'config' | 'modules' | 'local-engine' | 'platform' | 'client' | 'test';

export function layerOf(path: string): Layer | undefined {
  if (path === 'src/index.ts') return 'entry';
  if (path.startsWith('test/')) return 'test';
  const match = /^src\/([^/]+)\//.exec(path);
  const top = match?.[1];
  switch (top) {
    case 'main':
    case 'config':
    case 'modules':
    case 'local-engine':
    case 'platform':
    case 'client':
      return top;
    default:
      return undefined;
  }
}

/** Which layers each layer may import (besides itself). Dependencies point downwards. */
export const allowedLayers: Readonly<Record<Layer, readonly Layer[]>> = {
  main: ['entry', 'config', 'modules', 'local-engine', 'platform', 'client'],
  entry: ['config', 'modules', 'local-engine', 'platform', 'client'],
  config: ['modules', 'platform', 'client'],
  modules: ['local-engine', 'platform', 'client'],
  'local-engine': ['platform'],
  platform: [],
  client: [],
  test: [],
};

/** The files of a module that other folders may import: its index, its compute-thread entry, and the schemas and defaults `src/config` reads. */
export const publicModuleFiles = ['index.ts', 'compute.ts', 'config.ts'] as const;

/** Driver packages, and where they may be imported: composition roots and adapters named after them. */
export const driverPackages: ReadonlyArray<{ readonly pattern: RegExp; readonly allowedIn: RegExp }> = [
  { pattern: /^pg$/, allowedIn: /^src\/(main\/|platform\/db\/|platform\/jobs\/(pg-boss|postgres)-)/ },
  { pattern: /^@electric-sql\/pglite/, allowedIn: /^src\/(main\/|platform\/db\/)/ },
  { pattern: /^ioredis$/, allowedIn: /^src\/(main\/|.*\/redis-[^/]+\.ts$)/ },
  { pattern: /^pg-boss$/, allowedIn: /^src\/(main\/|platform\/jobs\/pg-boss-)/ },
];

export interface Violation {
  readonly edge: ImportEdge;
  readonly rule: string;
}

const isTestFile = (path: string) => /\.test\.tsx?$/.test(path);

/** Every edge that breaks a rule of docs/architecture.md. Tests next to the code may import internals. */
export function violations(edges: readonly ImportEdge[]): Violation[] {
  const found: Violation[] = [];
  for (const edge of edges) {
    if (isTestFile(edge.from)) continue;
    const fromLayer = layerOf(edge.from);
    if (fromLayer === undefined) continue;
    if (edge.to.startsWith('test/')) {
      found.push({ edge, rule: 'src never imports test/: test code lives in test/support' });
      continue;
    }
    const driver = driverPackages.find(({ pattern }) => pattern.test(edge.to));
    if (driver && !driver.allowedIn.test(edge.from)) {
      found.push({
        edge,
        rule: `${edge.to} is imported only by composition roots and adapters named after it`,
      });
      continue;
    }
    const toLayer = layerOf(edge.to);
    if (toLayer === undefined) continue;
    if (toLayer !== fromLayer && !allowedLayers[fromLayer].includes(toLayer)) {
      found.push({ edge, rule: `${fromLayer} may not import ${toLayer}` });
      continue;
    }
    const target = /^src\/modules\/([^/]+)\/(.+)$/.exec(edge.to);
    if (target) {
      const [, module, file] = target;
      const inside = edge.from.startsWith(`src/modules/${module}/`);
      if (!inside && !(publicModuleFiles as readonly string[]).includes(file ?? '')) {
        found.push({ edge, rule: `outside ${module}, import only its ${publicModuleFiles.join(' or ')}` });
      }
    }
  }
  return found;
}
