// Authentication and authorization: API keys (created by an admin, shown once, stored as scrypt hashes),
// the bootstrap admin key, the guard every route passes through, and route scopes.

export type { ApiKeyServiceOptions, CreateKeyInput } from './api-key.service.ts';
export { ApiKeyService } from './api-key.service.ts';
export type { ApiKeyRecord, ApiKeyView, KeyWebhook } from './api-key.ts';
export { generateToken, KEY_ID_PATTERN, parseToken, TOKEN_SEARCH_PATTERN } from './api-key.ts';
export type { ApiKeyListQuery, ApiKeyPage, ApiKeyStore } from './api-key-store.port.ts';
export { authErrors } from './auth.errors.ts';
export { installAuthGuard, requiredScope } from './auth-guard.ts';
export {
  apiKeySchema,
  keyWebhookSchema,
  presentKey,
  registerKeyRoutes,
  TENANT_PATTERN,
} from './keys.routes.ts';
export { MemoryApiKeyStore } from './memory-api-key-store.ts';
export type { Principal } from './principal.ts';
export { ADMIN_KEY_ID, OPEN_SUBJECT } from './principal.ts';
export { ADMIN_SCOPE, grants, SCOPE_PATTERN } from './scopes.ts';
export { SqlApiKeyStore } from './sql-api-key-store.ts';
