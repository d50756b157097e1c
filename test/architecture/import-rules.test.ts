import { describe, expect, it } from 'vitest';
import { importsOf, layerOf, readImportGraph, repositoryRoot, violations } from './import-graph.ts';

const at = (path: string) => `${repositoryRoot}/${path}`;
const edgesOf = (path: string, text: string) => importsOf(at(path), text);

describe('the import graph of src/', () => {
  it('breaks none of the rules of docs/architecture.md', () => {
    const graph = readImportGraph();
    expect(graph.length).toBeGreaterThan(1000);
    const broken = violations(graph).map(({ edge, rule }) => `${edge.from} -> ${edge.to}: ${rule}`);
    expect(broken).toEqual([]);
  });
});

describe('the rules', () => {
  it('refuse a module internal imported from another module', () => {
    const edges = edgesOf(
      'src/modules/answers/answer.service.ts',
      "import { SqlDocumentStore } from '../documents/sql-document-store.ts';",
    );
    expect(violations(edges).map((found) => found.rule)).toEqual([
      'outside documents, import only its index.ts or compute.ts or config.ts',
    ]);
  });

  it("accept another module's index and the module's own internals", () => {
    const edges = edgesOf(
      'src/modules/answers/answer.service.ts',
      "import type { DocumentsService } from '../documents/index.ts';\nimport { x } from './answer.schemas.ts';",
    );
    expect(violations(edges)).toEqual([]);
  });

  it('refuse upward imports, including dynamic and type-only ones', () => {
    const platform = edgesOf(
      'src/platform/http/http-server.ts',
      "const m = await import('../../modules/jobs/index.ts');",
    );
    const engine = edgesOf(
      'src/local-engine/rank/bm25.ts',
      "import type { KeelConfig } from '../../config/index.ts';",
    );
    const module = edgesOf(
      'src/modules/jobs/jobs.service.ts',
      "export { createApi } from '../../main/api.ts';",
    );
    expect(violations([...platform, ...engine, ...module]).map((found) => found.rule)).toEqual([
      'platform may not import modules',
      'local-engine may not import config',
      'modules may not import main',
    ]);
  });

  it('refuse src importing test code, but let tests next to the code import anything', () => {
    const fromSource = edgesOf(
      'src/modules/jobs/kit.ts',
      "import { buildTestApp } from '../../../test/support/test-app.ts';",
    );
    const fromTest = edgesOf(
      'src/modules/jobs/kit.test.ts',
      "import { buildTestApp } from '../../../test/support/test-app.ts';",
    );
    expect(violations(fromSource).map((found) => found.rule)).toEqual([
      'src never imports test/: test code lives in test/support',
    ]);
    expect(violations(fromTest)).toEqual([]);
  });

  it('keep driver packages in composition roots and the adapters named after them', () => {
    const edges = [
      ...edgesOf('src/modules/limits/limits.service.ts', "import { Redis } from 'ioredis';"),
      ...edgesOf('src/modules/limits/redis-limit-store.ts', "import type { Redis } from 'ioredis';"),
      ...edgesOf('src/modules/jobs/jobs.service.ts', "import pg from 'pg';"),
      ...edgesOf('src/main/database-builder.ts', "import { PGlite } from '@electric-sql/pglite';"),
    ];
    expect(violations(edges).map(({ edge }) => edge.from)).toEqual([
      'src/modules/limits/limits.service.ts',
      'src/modules/jobs/jobs.service.ts',
    ]);
  });

  it('place every folder of src/ in a layer', () => {
    expect(layerOf('src/index.ts')).toBe('entry');
    expect(layerOf('src/modules/jobs/index.ts')).toBe('modules');
    expect(layerOf('src/local-engine/index.ts')).toBe('local-engine');
    expect(layerOf('test/support/test-app.ts')).toBe('test');
  });
});
