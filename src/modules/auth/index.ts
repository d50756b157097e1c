// Authentication: who may call Keel. Today a single admin key from KEEL_ADMIN_KEY guards every /v1 route;
// per-tenant API keys with scopes extend this module.
export { installAdminKeyGuard } from './admin-key-guard.ts';
export { authErrors } from './auth.errors.ts';
