import type { Migration } from 'kysely/migration';
import * as requestLog from './0001-request-log.ts';
import * as modelCalls from './0002-model-calls.ts';
import * as jobs from './0003-jobs.ts';
import * as apiKeysAndRequestContext from './0004-api-keys-and-request-context.ts';
import * as documentsAndRetrieval from './0005-documents-and-retrieval.ts';
import * as conversations from './0006-conversations.ts';
import * as evalsAndFeedback from './0007-evals-and-feedback.ts';
import * as agents from './0008-agents.ts';
import * as apiKeyWebhooks from './0009-api-key-webhooks.ts';
import * as conversationRetention from './0010-conversation-retention.ts';
import * as modelCallSubject from './0011-model-call-subject.ts';
import * as variants from './0012-variants.ts';
import * as guardrails from './0013-guardrails.ts';

/** Every migration in order. Names are permanent: never rename or reorder an applied one. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-request-log': requestLog,
  '0002-model-calls': modelCalls,
  '0003-jobs': jobs,
  '0004-api-keys-and-request-context': apiKeysAndRequestContext,
  '0005-documents-and-retrieval': documentsAndRetrieval,
  '0006-conversations': conversations,
  '0007-evals-and-feedback': evalsAndFeedback,
  '0008-agents': agents,
  '0009-api-key-webhooks': apiKeyWebhooks,
  '0010-conversation-retention': conversationRetention,
  '0011-model-call-subject': modelCallSubject,
  '0012-variants': variants,
  '0013-guardrails': guardrails,
};
