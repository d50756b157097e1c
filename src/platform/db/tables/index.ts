import type { AgentActionTable } from './agent-action.table.ts';
import type { AgentEventTable } from './agent-event.table.ts';
import type { AgentRunTable } from './agent-run.table.ts';
import type { ApiKeyTable } from './api-key.table.ts';
import type { ConversationTable } from './conversation.table.ts';
import type { ConversationMessageTable } from './conversation-message.table.ts';
import type { DocumentTable } from './document.table.ts';
import type { DocumentCollectionTable } from './document-collection.table.ts';
import type { DocumentSourceTable } from './document-source.table.ts';
import type { EvalDatasetTable } from './eval-dataset.table.ts';
import type { EvalDatasetItemTable } from './eval-dataset-item.table.ts';
import type { EvalResultTable } from './eval-result.table.ts';
import type { EvalRunTable } from './eval-run.table.ts';
import type { FeedbackTable } from './feedback.table.ts';
import type { JobTable } from './job.table.ts';
import type { JobEventTable } from './job-event.table.ts';
import type { JobStepTable } from './job-step.table.ts';
import type { JobWebhookAttemptTable } from './job-webhook-attempt.table.ts';
import type { JobWorkerTable } from './job-worker.table.ts';
import type { ModelCallTable } from './model-call.table.ts';
import type { RequestLogTable } from './request-log.table.ts';
import type { RetrievalChunkTable } from './retrieval-chunk.table.ts';
import type { RetrievalChunkVectorTable } from './retrieval-chunk-vector.table.ts';
import type { RetrievalCollectionTable } from './retrieval-collection.table.ts';
import type { RetrievalTermTable } from './retrieval-term.table.ts';
import type { VariantTable } from './variant.table.ts';
import type { VariantEventTable } from './variant-event.table.ts';
import type { VariantObservationTable } from './variant-observation.table.ts';
import type { VariantPolicyTable } from './variant-policy.table.ts';

/**
 * The database schema as Kysely sees it: every table of ./migrations, one file per table
 * (`<table-name>.table.ts`, decision 0153). Every store and query is typed `Kysely<KeelTables>`; the
 * migrations are the source of truth and `tables.int.test.ts` checks these types against them.
 */
export interface KeelTables {
  request_log: RequestLogTable;
  model_call: ModelCallTable;
  job: JobTable;
  job_event: JobEventTable;
  job_step: JobStepTable;
  job_worker: JobWorkerTable;
  job_webhook_attempt: JobWebhookAttemptTable;
  api_key: ApiKeyTable;
  document_collection: DocumentCollectionTable;
  document: DocumentTable;
  document_source: DocumentSourceTable;
  retrieval_collection: RetrievalCollectionTable;
  retrieval_chunk: RetrievalChunkTable;
  retrieval_chunk_vector: RetrievalChunkVectorTable;
  retrieval_term: RetrievalTermTable;
  conversation: ConversationTable;
  conversation_message: ConversationMessageTable;
  eval_dataset: EvalDatasetTable;
  eval_dataset_item: EvalDatasetItemTable;
  eval_run: EvalRunTable;
  eval_result: EvalResultTable;
  feedback: FeedbackTable;
  agent_run: AgentRunTable;
  agent_action: AgentActionTable;
  agent_event: AgentEventTable;
  variant: VariantTable;
  variant_policy: VariantPolicyTable;
  variant_event: VariantEventTable;
  variant_observation: VariantObservationTable;
}

export type {
  CreatedAt,
  JsonValue,
  NullableJsonValue,
  NullableTimestamp,
  Timestamp,
} from './column-types.ts';
export type {
  AgentActionTable,
  AgentEventTable,
  AgentRunTable,
  ApiKeyTable,
  ConversationMessageTable,
  ConversationTable,
  DocumentCollectionTable,
  DocumentSourceTable,
  DocumentTable,
  EvalDatasetItemTable,
  EvalDatasetTable,
  EvalResultTable,
  EvalRunTable,
  FeedbackTable,
  JobEventTable,
  JobStepTable,
  JobTable,
  JobWebhookAttemptTable,
  JobWorkerTable,
  ModelCallTable,
  RequestLogTable,
  RetrievalChunkTable,
  RetrievalChunkVectorTable,
  RetrievalCollectionTable,
  RetrievalTermTable,
  VariantEventTable,
  VariantObservationTable,
  VariantPolicyTable,
  VariantTable,
};
