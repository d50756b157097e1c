import { defineErrors } from '../../platform/errors/index.ts';

export const toolErrors = defineErrors({
  TOOL_NOT_FOUND: {
    status: 404,
    title: 'No such tool',
    category: 'user',
    retryable: false,
    description: 'No tool has this name. `GET /v1/tools` lists the tools this deployment serves.',
  },
  TOOL_INPUT_INVALID: {
    status: 400,
    title: 'The tool input is not valid',
    category: 'user',
    retryable: false,
    description:
      "The arguments do not match the tool's input JSON Schema; `errors` points at each field. The tool did not run.",
  },
  TOOL_OUTPUT_INVALID: {
    status: 502,
    title: 'The tool returned an invalid output',
    category: 'system',
    retryable: false,
    description:
      'The tool ran but its result does not match its declared output schema (a defect in the tool).',
  },
  TOOL_TIMED_OUT: {
    status: 504,
    title: 'The tool timed out',
    category: 'system',
    retryable: true,
    description: 'The tool did not finish within its timeout and was aborted.',
  },
  TOOL_FAILED: {
    status: 502,
    title: 'The tool failed',
    category: 'system',
    retryable: false,
    description:
      "The tool threw an error that is not one of Keel's own (for an MCP tool: the MCP server reported an error or could not be reached). `detail` carries its message.",
  },
  TOOL_NAME_CONFLICT: {
    status: 500,
    title: 'Two tools share a name',
    category: 'system',
    retryable: false,
    description:
      'Two tools (built-in, capability, custom or MCP) were registered under one name; rename one.',
  },
  TOOL_EXPRESSION_INVALID: {
    status: 400,
    title: 'The expression cannot be evaluated',
    category: 'user',
    retryable: false,
    description:
      'The calculator could not parse or evaluate the expression (unknown name, unbalanced parenthesis, division by zero, a result that is not a finite number). `detail` says where.',
  },
});
