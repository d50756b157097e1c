import { describe, expect, it } from 'vitest';
import { securityHeaders } from './security-headers.ts';

describe('security headers', () => {
  it("are helmet's, computed once, without forcing https on plain-HTTP deployments", () => {
    const { set, removed } = securityHeaders();
    expect(set['content-security-policy']).toContain("default-src 'self'");
    expect(set['content-security-policy']).toContain("object-src 'none'");
    expect(set['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(set).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
    });
    expect(removed).toContain('x-powered-by');
    expect(Object.isFrozen(set)).toBe(true);
  });
});
