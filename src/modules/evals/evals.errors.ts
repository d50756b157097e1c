import { defineErrors } from '../../platform/errors/index.ts';

export const evalErrors = defineErrors({
  EVAL_DATASET_NOT_FOUND: {
    status: 404,
    title: 'No such dataset',
    category: 'user',
    retryable: false,
    description: 'No dataset with this id (or at this version) exists for your tenant.',
  },
  EVAL_DATASET_NAME_TAKEN: {
    status: 409,
    title: 'A dataset with this name exists',
    category: 'user',
    retryable: false,
    description: 'Dataset names are unique per tenant; add items to the existing one or pick another name.',
  },
  EVAL_ITEM_INVALID: {
    status: 400,
    title: 'A dataset item is not valid',
    category: 'user',
    retryable: false,
    description:
      "An item's `input` breaks the capability's input schema, or its `expected` output breaks the output schema; `errors` points at each field.",
  },
  EVAL_CAPABILITY_UNKNOWN: {
    status: 400,
    title: 'No such capability',
    category: 'user',
    retryable: false,
    description:
      'Datasets and runs name a capability registered in this Keel (`GET /openapi.json` lists them).',
  },
  EVAL_DATASET_EMPTY: {
    status: 400,
    title: 'The dataset has no items',
    category: 'user',
    retryable: false,
    description: 'Add items (`POST /v1/datasets/{id}/items`, `keel eval import`) before running it.',
  },
  EVAL_SCORER_UNKNOWN: {
    status: 400,
    title: 'No such scorer, or its options are not valid',
    category: 'user',
    retryable: false,
    description:
      'Use a built-in scorer (docs/evals.md) or one declared with `defineScorer`, with valid options.',
  },
  EVAL_RUN_NOT_FOUND: {
    status: 404,
    title: 'No such eval run',
    category: 'user',
    retryable: false,
    description: 'No eval run with this id exists for your tenant.',
  },
  EVAL_RUN_NOT_FINISHED: {
    status: 409,
    title: 'The eval run has not finished',
    category: 'user',
    retryable: true,
    description: 'Comparisons and reports need runs that succeeded; follow the run until it does.',
  },
  EVAL_COMPARE_MISMATCH: {
    status: 400,
    title: 'These runs cannot be compared',
    category: 'user',
    retryable: false,
    description:
      'Two runs compare item by item: they must use the same dataset and capability, and name variants each run has.',
  },
  EVAL_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'Pass back the `next_cursor` of a previous page unchanged.',
  },
});
