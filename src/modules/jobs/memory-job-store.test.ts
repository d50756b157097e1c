import { describeJobStoreContract } from '../../../test/contracts/job-store.contract.ts';
import { InProcessNotifier, MemoryJobQueue } from '../../platform/jobs/index.ts';
import { MemoryJobStore } from './memory-job-store.ts';

describeJobStoreContract(
  'in memory',
  async () => new MemoryJobStore(new MemoryJobQueue(), new InProcessNotifier()),
);
