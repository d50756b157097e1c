import type { KeelConfig } from '../config/index.ts';
import { secretRedactor } from '../platform/logging/index.ts';

/** Member names whose string values in the configuration are secrets. */
const SECRET_MEMBERS = /^(apiKey|adminKey|headers|password|secret|token)$/i;

/**
 * Registers every secret value of the configuration (admin key, provider keys wherever the gateway
 * settings keep them, collector headers) with the process's redactor, so logs, problem documents and the
 * request log never show them even when they do not look like keys.
 */
export function registerConfiguredSecrets(config: KeelConfig): void {
  walk(config, false, 0);
}

function walk(value: unknown, secret: boolean, depth: number): void {
  if (depth > 12 || value === null || value === undefined) return;
  if (typeof value === 'string') {
    if (secret) secretRedactor.add(value);
    return;
  }
  if (typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, secret, depth + 1);
    return;
  }
  // Capabilities hold schemas and functions, never secrets.
  for (const [name, member] of Object.entries(value)) {
    if (name === 'capabilities') continue;
    walk(member, secret || SECRET_MEMBERS.test(name), depth + 1);
  }
}
