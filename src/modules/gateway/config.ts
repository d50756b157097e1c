// What `src/config` reads of the gateway: its settings' types and defaults, without the gateway itself.
export {
  type AliasSettings,
  DEFAULT_CACHE,
  DEFAULT_NOT_CONFIGURED_HINT,
  DEFAULT_RESILIENCE,
  type GatewaySettings,
  type ProviderKind,
  type ProviderSettings,
} from './gateway-settings.ts';
