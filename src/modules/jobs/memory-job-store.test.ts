import { describeJobStoreContract } from '../../../test/contracts/job-store.contract.ts';
import { MemoryJobQueue } from '../../platform/jobs/index.ts';
import { MemoryJobStore } from './memory-job-store.ts';

describeJobStoreContract('in memory', async (notifier) => new MemoryJobStore(new MemoryJobQueue(), notifier));
