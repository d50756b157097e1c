import packageJson from '../../package.json' with { type: 'json' };

export const KEEL_VERSION: string = packageJson.version;
export const KEEL_DESCRIPTION =
  'Keel is the production backend for AI features: typed contracts, validation, docs and problem+json errors around models whose output is probabilistic. Every error is an RFC 9457 problem document with a stable `code` (listed in docs/errors.md) and the `requestId`.';
