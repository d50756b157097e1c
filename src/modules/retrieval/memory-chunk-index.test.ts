import { describeChunkIndexContract } from '../../../test/contracts/chunk-index.contract.ts';
import { MemoryChunkIndex } from './memory-chunk-index.ts';

describeChunkIndexContract('in memory', async () => new MemoryChunkIndex(), { vectors: true });
describeChunkIndexContract(
  'in memory, without vectors',
  async () => new MemoryChunkIndex({ vectorSupported: false }),
  {
    vectors: false,
  },
);
