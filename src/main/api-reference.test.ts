import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/support/test-app.ts';

/** The configuration object the /docs page hands to `Scalar.createApiReference`. */
function servedConfiguration(page: string): Record<string, unknown> {
  const match = /Scalar\.createApiReference\('#app',\s*(\{[\s\S]*?\})\)\s*<\/script>/.exec(page);
  if (!match?.[1]) throw new Error('the /docs page does not call Scalar.createApiReference');
  return JSON.parse(match[1]) as Record<string, unknown>;
}

describe('/docs (the API reference)', () => {
  let app: TestApp;
  let configuration: Record<string, unknown>;
  let tags: string[];
  beforeAll(async () => {
    app = await buildTestApp();
    const page = await app.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    configuration = servedConfiguration(page.body);
    const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    tags = [
      ...new Set(
        Object.values(document.paths).flatMap((operations) =>
          Object.values(operations).flatMap((operation) => operation.tags ?? []),
        ),
      ),
    ];
  });
  afterAll(async () => app.close());

  it('turns off every control that needs Scalar’s hosted services', () => {
    expect(configuration).toMatchObject({
      url: '/openapi.json',
      agent: { disabled: true },
      mcp: { disabled: true },
      showDeveloperTools: 'never',
      telemetry: false,
    });
  });

  it('names the schema section so that no operation group shares its name', () => {
    // Scalar lists component schemas under `modelsSectionLabel` ("Models" unless set) beside the tags.
    const label = configuration.modelsSectionLabel;
    expect(typeof label).toBe('string');
    expect(tags).toContain('Models');
    expect(tags).not.toContain(label);
  });
});
