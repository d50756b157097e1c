import type { Notifier } from '../../platform/jobs/index.ts';
import { JobEventFeed } from '../jobs/index.ts';
import type { AgentEvent } from './agent.types.ts';
import type { AgentStore } from './agent-store.port.ts';

/** Notification channel: a run has new events; payload: the run id (a hint, the events are read from the store). */
export const AGENT_EVENTS_CHANNEL = 'keel_agent_events';

/** After these a run's stream ends: the run finished, or it waits for a decision (reconnect after it). */
const STREAM_END_TYPES: ReadonlySet<string> = new Set([
  'run-paused',
  'run-succeeded',
  'run-failed',
  'run-cancelled',
]);

/** Live delivery of agent runs' events, as job events are delivered: replay, then follow notifications. */
export type AgentEventFeed = JobEventFeed<AgentEvent>;

export function createAgentEventFeed(
  store: AgentStore,
  notifier: Notifier,
  pollIntervalMs?: number,
): AgentEventFeed {
  return new JobEventFeed<AgentEvent>({
    store: { events: (tenantId, runId, afterId, limit) => store.listEvents(tenantId, runId, afterId, limit) },
    notifier,
    channel: AGENT_EVENTS_CHANNEL,
    terminalTypes: STREAM_END_TYPES,
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
  });
}

/**
 * The store, announcing every append on `AGENT_EVENTS_CHANNEL`: the loop appends in a worker (maybe
 * another process), the route following the run wakes up wherever it is.
 */
export function notifyingAgentStore(store: AgentStore, notifier: Notifier): AgentStore {
  return {
    createRun: (run) => store.createRun(run),
    getRun: (tenantId, id) => store.getRun(tenantId, id),
    listRuns: (tenantId, query) => store.listRuns(tenantId, query),
    updateRun: (tenantId, id, from, patch) => store.updateRun(tenantId, id, from, patch),
    appendEvents: async (tenantId, runId, events, at) => {
      const appended = await store.appendEvents(tenantId, runId, events, at);
      notifier.publish(AGENT_EVENTS_CHANNEL, runId);
      return appended;
    },
    listEvents: (tenantId, runId, afterId, limit) => store.listEvents(tenantId, runId, afterId, limit),
    putAction: (action) => store.putAction(action),
    getAction: (tenantId, id) => store.getAction(tenantId, id),
    listActions: (tenantId, runId) => store.listActions(tenantId, runId),
  };
}
