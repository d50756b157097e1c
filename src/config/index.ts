// Keel's configuration: one Zod schema for the environment, one for the typed config file, loaded once and frozen.
// A bad start throws ConfigError listing every problem at once.
export type { ConfigFile } from './config-file.schema.ts';
export { configFileSchema } from './config-file.schema.ts';
export type { Environment } from './environment.schema.ts';
export { environmentSchema, secretVariables } from './environment.schema.ts';
export {
  ENVIRONMENT_TABLE_END,
  ENVIRONMENT_TABLE_START,
  renderEnvironmentTable,
} from './environment-table.ts';
export type { JobsConfig } from './jobs-config.ts';
export type { KeelConfig, LoadConfigOptions, LogLevel, StorageConfig } from './load-config.ts';
export { ConfigError, loadConfig } from './load-config.ts';
