import { describeFeedbackStoreContract } from '../../../test/contracts/feedback-store.contract.ts';
import { MemoryFeedbackStore } from './memory-feedback-store.ts';

describeFeedbackStoreContract('memory', async () => new MemoryFeedbackStore());
