import { defineErrors } from '../../platform/errors/index.ts';

export const agentErrors = defineErrors({
  AGENT_CALLER_UNKNOWN: {
    status: 400,
    title: 'The agent call has no caller',
    category: 'user',
    retryable: false,
    description:
      'The `agent` capability runs with the calling key (its scopes bound the tools the run may use), so it is served over HTTP only. To run an agent in the background, use `POST /v1/agents/runs`: runs are jobs.',
  },
  AGENT_RUN_NOT_FOUND: {
    status: 404,
    title: 'No such agent run',
    category: 'user',
    retryable: false,
    description: 'No agent run with this id exists for your tenant.',
  },
  AGENT_TOOL_UNKNOWN: {
    status: 400,
    title: 'The allow-list names an unknown tool',
    category: 'user',
    retryable: false,
    description:
      '`tools` names a tool this deployment does not serve; `GET /v1/tools` lists them. `unknown` lists the names.',
  },
  AGENT_TOOL_NOT_PERMITTED: {
    status: 403,
    title: 'Your key may not allow this tool',
    category: 'user',
    retryable: false,
    description:
      "A key may only allow an agent the tools its scopes grant (`tools:<name>`, `tools:*`, a capability's `capability:<name>`, or `admin`). `tools` lists the refused names with the scope each needs.",
  },
  AGENT_RUN_NOT_AWAITING_APPROVAL: {
    status: 409,
    title: 'The run is not awaiting approval',
    category: 'user',
    retryable: false,
    description:
      'Approve and reject apply only to a run in `awaiting_approval`, and only to its pending action (`action_id`, when given, must be that one). `run_status` says where the run is.',
  },
  AGENT_RUN_FINISHED: {
    status: 409,
    title: 'The run has already finished',
    category: 'user',
    retryable: false,
    description: 'The run already succeeded, failed or was cancelled; it cannot be cancelled again.',
  },
  AGENT_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'Pass back the `next_cursor` of a previous page unchanged.',
  },
  AGENT_STEP_LIMIT_REACHED: {
    status: 422,
    title: 'The run reached its step limit',
    category: 'user',
    retryable: false,
    description:
      "A run outcome (in the run's `error`, not an HTTP response): the model used `limits.maxSteps` model calls without a final answer. `output` holds its last text. Raise the limit or narrow the goal.",
  },
  AGENT_TOOL_CALL_LIMIT_REACHED: {
    status: 422,
    title: 'The run reached its tool-call limit',
    category: 'user',
    retryable: false,
    description:
      'A run outcome: the model proposed more than `limits.maxToolCalls` tool calls (refused and invalid ones count).',
  },
  AGENT_TOKEN_LIMIT_REACHED: {
    status: 422,
    title: 'The run reached its token limit',
    category: 'user',
    retryable: false,
    description: 'A run outcome: the steps used `limits.maxTokens` input and output tokens together.',
  },
  AGENT_DEADLINE_EXCEEDED: {
    status: 422,
    title: 'The run passed its deadline',
    category: 'user',
    retryable: false,
    description:
      'A run outcome: `limits.deadlineMs` elapsed since the run was created (time awaiting approval counts). The model call or tool in flight was aborted.',
  },
  AGENT_TOOL_REFUSED: {
    status: 403,
    title: 'The tool call was refused',
    category: 'user',
    retryable: false,
    description:
      "An action outcome (in the audit trail, not an HTTP response): the model proposed a tool outside the run's allow-list. It was not executed; the model was told so.",
  },
});
