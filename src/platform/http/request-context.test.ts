import { describe, expect, it } from 'vitest';
import { createRequestContext, currentRequestContext, runWithRequestContext } from './request-context.ts';

describe('request context', () => {
  it('follows awaited work, and stays apart for parallel work', async () => {
    const seen: Array<string | undefined> = [];
    const work = async (tenant: string) =>
      runWithRequestContext(
        createRequestContext({ requestId: tenant, tenantId: tenant, keyId: `key-${tenant}` }),
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          await Promise.resolve();
          seen.push(`${currentRequestContext()?.tenantId}:${currentRequestContext()?.subject}`);
        },
      );
    await Promise.all([work('a'), work('b')]);
    expect(seen.sort()).toEqual(['a:key-a', 'b:key-b']);
    expect(currentRequestContext()).toBeUndefined();
  });

  it('starts with empty usage; a job re-creates it from the stored key and tenant', () => {
    const context = createRequestContext({ requestId: 'r', tenantId: 't', keyId: 'key_0123456789abcdef' });
    expect(context).toMatchObject({
      subject: 'key_0123456789abcdef',
      authenticated: true,
      usage: { calls: 0, costUsd: 0 },
    });
    expect(createRequestContext({ requestId: 'r', tenantId: 't' })).toMatchObject({
      subject: 'local',
      authenticated: false,
    });
  });
});
