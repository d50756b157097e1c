import { defineErrors } from '../../platform/errors/index.ts';

export const variantErrors = defineErrors({
  VARIANT_CAPABILITY_NOT_FOUND: {
    status: 404,
    title: 'No such capability',
    category: 'user',
    retryable: false,
    description:
      'Variants belong to a registered capability (`GET /openapi.json` lists them as `POST /v1/<name>`).',
  },
  VARIANT_NOT_FOUND: {
    status: 404,
    title: 'No such variant',
    category: 'user',
    retryable: false,
    description:
      'No variant with this version exists for the capability (`GET /v1/admin/capabilities/{name}/variants`).',
  },
  VARIANT_VERSION_TAKEN: {
    status: 409,
    title: 'This variant version already exists with other content',
    category: 'user',
    retryable: false,
    description:
      'Variants are immutable: a version, once made, keeps its prompt, model and settings. Create a new version instead (keel.config.ts declarations must not change a declared version either).',
  },
  VARIANT_POLICY_CONFLICT: {
    status: 409,
    title: 'The traffic policy changed meanwhile',
    category: 'user',
    retryable: true,
    description:
      'Another change (an operator, or an automatic rollback) was saved between reading and writing the policy. Read it again and retry.',
  },
  VARIANT_POLICY_INVALID: {
    status: 400,
    title: 'The traffic policy is not valid',
    category: 'user',
    retryable: false,
    description:
      'A canary or shadow must differ from the stable variant and from each other, and a canary needs a stable variant to return to; promoting needs a canary (or a named version) and rolling back needs something to roll back.',
  },
});
