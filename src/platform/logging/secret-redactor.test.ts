import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { SecretRedactor } from './secret-redactor.ts';

const KEEL_TOKEN = `keel_0123456789abcdef_${'a'.repeat(40)}xyz`;

describe('SecretRedactor', () => {
  it('finds Keel tokens, sk- keys, bearer credentials and registered secrets inside any text', () => {
    const redactor = new SecretRedactor(['my-admin-key-with-24-characters', 'short']);
    const text = `a ${KEEL_TOKEN} b sk-proj-abcdefghijklmnop1234 c Bearer abc.def-ghi d my-admin-key-with-24-characters e short`;
    expect(redactor.redactText(text)).toBe(
      'a [redacted] b [redacted] c Bearer [redacted] d [redacted] e short',
    );
  });

  it('matches a secret in its JSON-escaped form too', () => {
    const redactor = new SecretRedactor(['quote"and\\slash-secret']);
    expect(redactor.redactText(JSON.stringify({ value: 'x quote"and\\slash-secret y' }))).toBe(
      '{"value":"x [redacted] y"}',
    );
  });

  it('copies values, redacting secret-named members and secrets in strings and member names', () => {
    const redactor = new SecretRedactor();
    const input = {
      apiKey: 'anything',
      nested: { password: 'hunter2', list: [`see ${KEEL_TOKEN}`], [KEEL_TOKEN]: 1, count: 3, empty: null },
      authorization: '',
    };
    expect(redactor.redactValue(input)).toEqual({
      apiKey: '[redacted]',
      nested: { password: '[redacted]', list: ['see [redacted]'], '[redacted]': 1, count: 3, empty: null },
      authorization: '',
    });
    expect(input.apiKey).toBe('anything');
  });
});

describe('createLogger', () => {
  it('scrubs every finished line: messages, error messages, stacks and causes', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const redactor = new SecretRedactor(['configured-provider-secret-1234']);
    const logger = createLogger({ level: 'info', destination, redactor });
    const error = new Error(`upstream said ${KEEL_TOKEN}`, {
      cause: new Error('configured-provider-secret-1234 leaked'),
    });
    logger.error(
      { err: error, headers: { authorization: `Bearer ${KEEL_TOKEN}` } },
      `failed for ${KEEL_TOKEN}`,
    );
    const output = lines.join('');
    expect(output).toContain('[redacted]');
    expect(output).not.toContain(KEEL_TOKEN);
    expect(output).not.toContain('configured-provider-secret-1234');
    expect(JSON.parse(output).err.type).toBe('Error');
  });
});
