import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeploymentHealth } from './deployment-health.ts';
import type { Failure } from './failure.ts';

const counted: Failure = {
  kind: 'retryable',
  error: new Error('500'),
  countsAgainstDeployment: true,
  retryAfterMs: undefined,
};
const uncounted: Failure = {
  kind: 'request',
  error: new Error('400'),
  countsAgainstDeployment: false,
  retryAfterMs: undefined,
};

async function settle(): Promise<void> {
  // cockatiel records outcomes after a microtask hop; let them land.
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('DeploymentHealth', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after the threshold of consecutive counted failures, then refuses calls', async () => {
    const changes: string[] = [];
    const health = new DeploymentHealth({ failureThreshold: 3, halfOpenAfterMs: 1_000 }, (state) =>
      changes.push(state),
    );
    for (let i = 0; i < 3; i++) {
      health.admit()?.fail(counted);
      await settle();
    }
    expect(health.state).toBe('open');
    expect(health.admit()).toBeUndefined();
    expect(health.retryInMs()).toBe(1_000);
    expect(changes).toEqual(['open']);
  });

  it('ignores failures that say nothing about the deployment, and resets on success', async () => {
    const health = new DeploymentHealth({ failureThreshold: 2, halfOpenAfterMs: 1_000 });
    health.admit()?.fail(counted);
    await settle();
    health.admit()?.succeed();
    await settle();
    health.admit()?.fail(counted);
    await settle();
    for (let i = 0; i < 5; i++) {
      health.admit()?.fail(uncounted);
      await settle();
    }
    expect(health.state).toBe('closed');
  });

  it('lets one probe through after halfOpenAfter; others skip it; its success closes the circuit', async () => {
    const health = new DeploymentHealth({ failureThreshold: 1, halfOpenAfterMs: 1_000 });
    health.admit()?.fail(counted);
    await settle();
    expect(health.admit()).toBeUndefined();
    vi.setSystemTime(Date.now() + 1_001);
    const probe = health.admit();
    expect(probe).toBeDefined();
    expect(health.state).toBe('half-open');
    expect(health.admit()).toBeUndefined();
    probe?.succeed();
    await settle();
    expect(health.state).toBe('closed');
    expect(health.admit()).toBeDefined();
  });

  it('re-opens when the probe fails', async () => {
    const health = new DeploymentHealth({ failureThreshold: 1, halfOpenAfterMs: 1_000 });
    health.admit()?.fail(counted);
    await settle();
    vi.setSystemTime(Date.now() + 1_001);
    health.admit()?.fail(counted);
    await settle();
    expect(health.state).toBe('open');
    expect(health.admit()).toBeUndefined();
  });
});
