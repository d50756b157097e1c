import { z } from 'zod';
import type { AnyCapability } from '../capabilities/index.ts';
import { defineWorkflow } from '../jobs/index.ts';
import type { AgentLoop } from './agent-loop.ts';
import { AGENT_RUN_CAPABILITY } from './agents.service.ts';

/** Each segment of an agent run is a job of this workflow; approvals end one segment and queue the next. */
export function createAgentRunCapability(loop: AgentLoop): AnyCapability {
  return defineWorkflow({
    name: AGENT_RUN_CAPABILITY,
    version: '1.0.0',
    summary: 'One segment of an agent run (internal: started by POST /v1/agents/runs and approvals)',
    description:
      'Runs an agent run from where it stands until it answers, hits a limit, or needs approval. Start runs with `POST /v1/agents/runs`; a job for an outdated segment does nothing.',
    input: z.object({ runId: z.string().min(1).max(64), segment: z.number().int().min(1) }),
    output: z.object({ runId: z.string(), status: z.string(), skipped: z.boolean() }),
    // The run's own deadline bounds it (at most an hour); a redelivered segment resumes from the last step.
    job: { attempts: 3, timeoutMs: 3_660_000 },
    run: async (input, context) => {
      const result = await loop.runSegment({
        tenantId: context.tenantId,
        runId: input.runId,
        segment: input.segment,
        requestId: context.requestId,
        models: context.models,
        signal: context.signal,
        logger: context.logger,
      });
      return { runId: input.runId, ...result };
    },
  });
}
