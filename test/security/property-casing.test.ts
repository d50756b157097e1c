import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * ADR 0151: every property name of Keel's public JSON is snake_case. Walks every schema `/openapi.json`
 * describes (request bodies, query parameters, responses, event streams, named components) and lists each
 * name that is not. Skipped: the OpenAI-compatible routes, which keep OpenAI's names, with the component
 * schemas only they use; and the insides of free-form maps (`additionalProperties`: document metadata,
 * capability inputs, JSON Schemas), whose keys are the user's.
 */

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const OPENAI_PATHS = /^\/openai\/v1(\/|$)/;
const REF_PREFIX = '#/components/schemas/';
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
/** Keywords whose value is one subschema. `additionalProperties` is absent on purpose: see above. */
const SCHEMA_SINGLES = ['items', 'not', 'if', 'then', 'else', 'contains'] as const;

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `visit` with each property name of `schema` and its location; follows no `$ref`. */
function walkSchema(schema: unknown, at: string, visit: (location: string, name: string) => void): void {
  if (!isSchema(schema)) return;
  const properties = schema.properties;
  if (isSchema(properties)) {
    for (const [name, property] of Object.entries(properties)) {
      visit(at, name);
      walkSchema(property, `${at}.${name}`, visit);
    }
  }
  for (const keyword of SCHEMA_LISTS) {
    const list = schema[keyword];
    if (Array.isArray(list))
      for (const [index, item] of list.entries()) walkSchema(item, `${at}.${keyword}[${index}]`, visit);
  }
  for (const keyword of SCHEMA_SINGLES) {
    if (keyword in schema)
      walkSchema(schema[keyword], keyword === 'items' ? `${at}[]` : `${at}.${keyword}`, visit);
  }
}

/** Names of the component schemas `node` refers to, directly or through other components. */
function referencedComponents(
  node: unknown,
  components: Record<string, Schema>,
  into = new Set<string>(),
): Set<string> {
  const pending: unknown[] = [node];
  while (pending.length > 0) {
    const current = pending.pop();
    if (Array.isArray(current)) pending.push(...current);
    else if (isSchema(current)) {
      for (const [key, value] of Object.entries(current)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
          const name = value.slice(REF_PREFIX.length);
          if (!into.has(name)) {
            into.add(name);
            pending.push(components[name]);
          }
        } else pending.push(value);
      }
    }
  }
  return into;
}

/** Every `where -> property` of the document whose name is not snake_case. */
function offendingProperties(document: OpenApiDocument): string[] {
  const offences: string[] = [];
  const visit = (location: string, name: string): void => {
    if (!SNAKE_CASE.test(name)) offences.push(`${location} -> ${name}`);
  };
  const components = document.components?.schemas ?? {};
  const usedByKeel = new Set<string>();
  const usedByOpenAi = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths)) {
    const openAi = OPENAI_PATHS.test(path);
    referencedComponents(operations, components, openAi ? usedByOpenAi : usedByKeel);
    if (openAi) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'query') visit(`${where} query`, parameter.name);
      }
      for (const [type, content] of Object.entries(operation.requestBody?.content ?? {})) {
        walkSchema(content.schema, `${where} body(${type})`, visit);
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [type, content] of Object.entries(response.content ?? {})) {
          walkSchema(content.schema, `${where} ${status}(${type})`, visit);
        }
      }
    }
  }
  for (const [name, schema] of Object.entries(components)) {
    if (usedByOpenAi.has(name) && !usedByKeel.has(name)) continue;
    walkSchema(schema, `components.schemas.${name}`, visit);
  }
  return offences;
}

describe('property casing of the public JSON (ADR 0151)', () => {
  let app: TestApp;
  let document: OpenApiDocument;
  beforeAll(async () => {
    app = await buildTestApp();
    const response = await app.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });
  afterAll(async () => app.close());

  it('walks the routes of every module and the named components', () => {
    const keelPaths = Object.keys(document.paths).filter((path) => !OPENAI_PATHS.test(path));
    expect(keelPaths).toEqual(
      expect.arrayContaining([
        '/v1/generate',
        '/v1/jobs',
        '/v1/admin/keys',
        '/v1/collections',
        '/v1/requests',
      ]),
    );
    expect(Object.keys(document.components?.schemas ?? {})).toContain('Problem');
  });

  it('names every property in snake_case, outside /openai/v1 and user-defined maps', () => {
    expect(offendingProperties(document)).toEqual([]);
  });

  it('catches a camelCase name at any depth, and skips what is the user’s or OpenAI’s', () => {
    const probe: OpenApiDocument = {
      paths: {
        '/v1/probe': {
          get: {
            parameters: [
              { name: 'collectionId', in: 'query' },
              { name: 'X-Header', in: 'header' },
            ],
            responses: {
              '200': {
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      properties: {
                        items: { type: 'array', items: { $ref: `${REF_PREFIX}Thing` } },
                        metadata: { type: 'object', additionalProperties: { properties: { userKey: {} } } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        '/openai/v1/models': {
          get: {
            responses: {
              '200': { content: { 'application/json': { schema: { $ref: `${REF_PREFIX}Model` } } } },
            },
          },
        },
      },
      components: {
        schemas: {
          Thing: { anyOf: [{ type: 'object', properties: { nested: { properties: { createdAt: {} } } } }] },
          Model: { properties: { ownedBy: {} } },
        },
      },
    };
    expect(offendingProperties(probe)).toEqual([
      'GET /v1/probe query -> collectionId',
      'components.schemas.Thing.anyOf[0].nested -> createdAt',
    ]);
  });
});
