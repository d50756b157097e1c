import { describe, expect, it } from 'vitest';
import { buildInScope, ResourceScope, runInScope } from './resource-scope.ts';

describe('ResourceScope', () => {
  it('closes what a builder opened, in reverse, when a later step throws, and passes the error on', async () => {
    const closed: string[] = [];
    const failure = new Error('the third step failed');
    await expect(
      buildInScope(async (scope) => {
        await scope.open(
          'database',
          () => 'db',
          (name) => closed.push(name),
        );
        scope.own('timer', () => closed.push('timer'));
        await scope.open(
          'pool',
          async () => 'pool',
          (name) => closed.push(name),
        );
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(closed).toEqual(['pool', 'timer', 'db']);
  });

  it('closes nothing it did not open: a resource whose opening threw is not closed', async () => {
    const closed: string[] = [];
    await expect(
      buildInScope(async (scope) => {
        await scope.open(
          'database',
          () => 'db',
          (name) => closed.push(name),
        );
        await scope.open(
          'redis',
          async () => {
            throw new Error('unreachable');
          },
          () => closed.push('redis'),
        );
      }),
    ).rejects.toThrow('unreachable');
    expect(closed).toEqual(['db']);
  });

  it('keeps the builder error when closing also fails, with the close failure as its cause', async () => {
    const error = await buildInScope(async (scope) => {
      scope.own('stubborn', () => {
        throw new Error('will not close');
      });
      throw new Error('start failed');
    }).catch((caught: unknown) => caught as Error);
    expect(error.message).toBe('start failed');
    expect(String((error.cause as Error).message)).toContain('closing stubborn failed');
  });

  it('tries every close once even when one fails, then reports the failure', async () => {
    const scope = new ResourceScope();
    const closed: string[] = [];
    scope.own('first', () => closed.push('first'));
    scope.own('broken', () => {
      throw new Error('boom');
    });
    scope.own('last', () => closed.push('last'));
    await expect(scope.close()).rejects.toThrow('closing broken failed');
    await expect(scope.close()).rejects.toThrow('closing broken failed');
    expect(closed).toEqual(['last', 'first']);
  });

  it('closes what a one-shot command opened once it returns, and once it throws', async () => {
    const closed: string[] = [];
    const result = await runInScope(async (scope) => {
      const database = await scope.open(
        'database',
        () => 'db',
        (name) => closed.push(name),
      );
      scope.own('queue', () => closed.push('queue'));
      expect(closed).toEqual([]);
      return `${database} used`;
    });
    expect(result).toBe('db used');
    expect(closed).toEqual(['queue', 'db']);

    const failure = new Error('the command failed');
    await expect(
      runInScope(async (scope) => {
        scope.own('database', () => closed.push('second db'));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(closed).toEqual(['queue', 'db', 'second db']);
  });
});
