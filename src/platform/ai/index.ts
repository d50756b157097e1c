// AI SDK plumbing shared by modules and the platform: stream stages over model parts.
export type { PartTap } from './part-tap.ts';
export { tapStream } from './part-tap.ts';
