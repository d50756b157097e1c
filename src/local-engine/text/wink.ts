import { createRequire } from 'node:module';
import type { ItemToken, WinkMethods } from 'wink-nlp';

export type { ItemToken, WinkMethods };

const require = createRequire(import.meta.url);
let instance: WinkMethods | undefined;

/**
 * The wink-nlp pipeline over `wink-eng-lite-web-model`, loaded on first use: the model costs ~70 MB of
 * RSS and ~120 ms, which an idle Keel that never analyses text should not pay.
 */
export function wink(): WinkMethods {
  let created = instance;
  if (created === undefined) {
    const winkNLP = require('wink-nlp') as typeof import('wink-nlp').default;
    const model = require('wink-eng-lite-web-model') as import('wink-nlp').Model;
    created = winkNLP(model);
    instance = created;
  }
  return created;
}

export function isWinkLoaded(): boolean {
  return instance !== undefined;
}
