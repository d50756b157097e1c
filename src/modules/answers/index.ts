// Grounded outputs over the knowledge base: the `answer` capability (cited answers from collections, or
// `insufficient_context`) and the `analysis` workflow (a job: gather, read, summarise, assess).
export { registerAnalysisRoutes } from './analyses.routes.ts';
export { analysisInputSchema, analysisOutputSchema, createAnalysisWorkflow } from './analysis.workflow.ts';
export { answerInputSchema, createAnswerCapability } from './answer.capability.ts';
export { answerOutputSchema, sourceSchema } from './answers.schemas.ts';
export { checkCitations, GROUNDED_SYSTEM_PROMPT, groundedPrompt, neutraliseFences } from './grounding.ts';
export type { KnowledgeBase } from './knowledge-base.port.ts';
export { DEFAULT_RELEVANCE, type RelevanceSettings } from './passages.ts';
