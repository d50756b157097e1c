import { describeAgentStoreContract } from '../../../test/contracts/agent-store.contract.ts';
import { MemoryAgentStore } from './memory-agent-store.ts';

describeAgentStoreContract('in memory', async () => new MemoryAgentStore());
