import { localEngineErrors } from '../local-engine/index.ts';
import { agentErrors } from '../modules/agents/index.ts';
import { authErrors } from '../modules/auth/index.ts';
import { capabilityErrors } from '../modules/capabilities/index.ts';
import { consoleErrors } from '../modules/console/index.ts';
import { conversationErrors } from '../modules/conversations/index.ts';
import { documentErrors } from '../modules/documents/index.ts';
import { evalErrors } from '../modules/evals/index.ts';
import { feedbackErrors } from '../modules/feedback/index.ts';
import { gatewayErrors } from '../modules/gateway/index.ts';
import { guardrailErrors } from '../modules/guardrails/index.ts';
import { jobErrors } from '../modules/jobs/index.ts';
import { limitErrors } from '../modules/limits/index.ts';
import { mcpErrors } from '../modules/mcp/index.ts';
import { requestLogErrors } from '../modules/request-log/index.ts';
import { retrievalErrors } from '../modules/retrieval/index.ts';
import { toolErrors } from '../modules/tools/index.ts';
import { variantErrors } from '../modules/variants/index.ts';
import { computeErrors } from '../platform/compute/index.ts';
import type { ErrorDefinition } from '../platform/errors/index.ts';
import { platformErrors } from '../platform/errors/index.ts';

/** Every module's error codes, in the order docs/errors.md lists them. A code appears exactly once. */
export const errorCatalogue: ReadonlyArray<{
  readonly module: string;
  readonly errors: readonly ErrorDefinition[];
}> = [
  { module: 'platform', errors: Object.values(platformErrors) },
  { module: 'compute', errors: Object.values(computeErrors) },
  { module: 'auth', errors: Object.values(authErrors) },
  { module: 'limits', errors: Object.values(limitErrors) },
  { module: 'capabilities', errors: Object.values(capabilityErrors) },
  { module: 'gateway', errors: Object.values(gatewayErrors) },
  { module: 'guardrails', errors: Object.values(guardrailErrors) },
  { module: 'request-log', errors: Object.values(requestLogErrors) },
  { module: 'jobs', errors: Object.values(jobErrors) },
  { module: 'local-engine', errors: Object.values(localEngineErrors) },
  { module: 'documents', errors: Object.values(documentErrors) },
  { module: 'retrieval', errors: Object.values(retrievalErrors) },
  { module: 'conversations', errors: Object.values(conversationErrors) },
  { module: 'evals', errors: Object.values(evalErrors) },
  { module: 'feedback', errors: Object.values(feedbackErrors) },
  { module: 'tools', errors: Object.values(toolErrors) },
  { module: 'variants', errors: Object.values(variantErrors) },
  { module: 'agents', errors: Object.values(agentErrors) },
  { module: 'mcp', errors: Object.values(mcpErrors) },
  { module: 'console', errors: Object.values(consoleErrors) },
];

/** docs/errors.md, generated: `npm run docs` writes it, and a test fails when it drifts. */
export function renderErrorDocument(): string {
  const sections = errorCatalogue.map(({ module, errors }) => {
    const rows = errors.map(
      (error) =>
        `| \`${error.code}\` | ${error.status} | ${error.category} | ${error.retryable ? 'yes' : 'no'} | ${error.title}. ${error.description.replaceAll('|', '\\|')} |`,
    );
    return `## ${module}\n\n| code | status | category | retryable | meaning |\n|---|---|---|---|---|\n${rows.join('\n')}\n`;
  });
  return `# Errors

<!-- Generated from the error catalogue by \`npm run docs:errors\`; a test fails when this file drifts. -->

Every error Keel returns is an RFC 9457 problem document, served as \`application/problem+json\`:

\`\`\`json
{
  "type": "urn:keel:error:REQUEST_VALIDATION_FAILED",
  "title": "The request is not valid",
  "status": 400,
  "detail": "1 field is not valid: /body/user_input",
  "instance": "/v1/generate",
  "code": "REQUEST_VALIDATION_FAILED",
  "request_id": "5f0c6f1e-8a1b-4c53-9f0e-3c1d2b7a9e10",
  "retryable": false,
  "errors": [{ "pointer": "/body/user_input", "message": "Too small: expected string to have >=1 characters", "code": "too_small" }]
}
\`\`\`

- \`code\` is stable: match on it, not on \`title\` or \`detail\`. Codes are never reused.
- \`request_id\` is also in the \`x-request-id\` response header and on every log line of the request.
- \`retryable\` says whether the same request may succeed later; \`retry-after\` is set where Keel knows when.
- \`category\` below says whose problem it is: \`user\` (fix the request), \`system\` (Keel or its
  configuration), \`third_party\` (a model provider).

${sections.join('\n')}`;
}
