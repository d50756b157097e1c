import { describeJobQueueContract } from '../../../test/contracts/job-queue.contract.ts';
import { MemoryJobQueue } from './memory-job-queue.ts';

describeJobQueueContract('in memory', async () => {
  const queue = new MemoryJobQueue();
  return {
    queue,
    async transaction(work) {
      const snapshot = queue.snapshot();
      try {
        return await work(undefined);
      } catch (error) {
        queue.restore(snapshot);
        throw error;
      }
    },
    close: () => queue.stop(),
  };
});
