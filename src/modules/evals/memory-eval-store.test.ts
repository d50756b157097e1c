import { describeDatasetStoreContract } from '../../../test/contracts/dataset-store.contract.ts';
import { describeEvalRunStoreContract } from '../../../test/contracts/eval-run-store.contract.ts';
import { MemoryEvalStore } from './memory-eval-store.ts';

describeDatasetStoreContract('memory', async () => new MemoryEvalStore());
describeEvalRunStoreContract('memory', async () => new MemoryEvalStore());
