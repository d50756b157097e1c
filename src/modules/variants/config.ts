// What `src/config` reads of the variants module: the `variants` section's schema, without the router or store.
export { type VariantsConfig, variantsConfigSchema } from './variants.config.ts';
