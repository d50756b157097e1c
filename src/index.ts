// Keel's public API for a team's own code: declare capabilities and the typed config file with these.
import type { ConfigFile } from './config/index.ts';

export type { ConfigFile } from './config/index.ts';
export type { Capability, CapabilityContext, CapabilityDefinition } from './modules/capabilities/index.ts';
export { defineCapability } from './modules/capabilities/index.ts';
export type { InvocationModels, ObjectRequest, ObjectResult } from './modules/gateway/index.ts';
export { defineWorkflow, verifyWebhook } from './modules/jobs/index.ts';
export { AppError, defineErrors } from './platform/errors/index.ts';

/** Types `keel.config.ts`; Keel validates it again at start and reports every problem at once. */
export function defineConfig(config: ConfigFile): ConfigFile {
  return config;
}
