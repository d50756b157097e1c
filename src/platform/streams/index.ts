// Stream stages shared by modules: what a model stream passes through between the upstream and the writer.
// Cheap per open stream on purpose (issue 16): one pull-based stage instead of a transform stream.
export { type PullStage, pullThrough, type StageController } from './pull-through.ts';
