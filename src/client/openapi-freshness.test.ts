// vitest: fresh module graph: the OpenAPI document must come from the app's modules alone; schemas other
// test files register (zod ids) would change it in a shared graph.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_TYPES_FILE,
  loadOpenApiDocument,
  renderClientTypes,
  renderSchema,
} from '../../scripts/generate-client.ts';

describe('the typed client (run `npm run client` when this fails)', () => {
  it('src/client/openapi.ts matches the OpenAPI document the app serves now', async () => {
    const expected = renderClientTypes(await loadOpenApiDocument());
    const committed = await readFile(CLIENT_TYPES_FILE, 'utf8');
    // One message, not a 20,000-line diff: the fix is always the same command.
    expect(committed === expected, 'src/client/openapi.ts is stale: run npm run client').toBe(true);
  });

  it('notices an API change: a changed document renders different types', () => {
    const document = {
      paths: {
        '/v1/things/{id}': {
          get: {
            operationId: 'getThing',
            parameters: [{ name: 'id', in: 'path' as const, required: true, schema: { type: 'string' } }],
            responses: {
              200: {
                content: {
                  'application/json': {
                    schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
                  },
                },
              },
            },
          },
        },
      },
    };
    const before = renderClientTypes(document);
    const changed = structuredClone(document);
    changed.paths['/v1/things/{id}'].get.responses[200].content['application/json'].schema.properties = {
      id: { type: 'integer' },
    };
    expect(renderClientTypes(changed)).not.toBe(before);
    expect(before).toContain('"/v1/things/{id}": {\n    get: operations["getThing"];');
    expect(before).toContain('      path: {\n        id: string;\n      };');
  });

  it('renders JSON Schema as the TypeScript types openapi-fetch reads', () => {
    expect(renderSchema({ type: ['string', 'null'] })).toBe('(string | null)');
    expect(renderSchema({ enum: ['a', 'b'] })).toBe('"a" | "b"');
    expect(renderSchema({ $ref: '#/components/schemas/Problem' })).toBe('components["schemas"]["Problem"]');
    expect(renderSchema({ type: 'array', items: { type: 'integer' } })).toBe('(number)[]');
    expect(renderSchema({ anyOf: [{ type: 'string' }, { type: 'number' }] })).toBe('(string | number)');
    expect(renderSchema({ type: 'object', additionalProperties: { type: 'number' } })).toBe(
      '{\n  [key: string]: number;\n}',
    );
    expect(renderSchema({ type: 'object', properties: { 'a-b': { type: 'boolean' } } })).toBe(
      '{\n  "a-b"?: boolean;\n}',
    );
  });
});
