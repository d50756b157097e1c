// Batching helpers with no domain rules: write-behind batches for stores written on every request.
export { WriteBehindBatcher, type WriteBehindOptions } from './write-behind-batcher.ts';
