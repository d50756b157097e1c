import { describeNotifierContract } from '../../../test/contracts/notifier.contract.ts';
import { InProcessNotifier } from './in-process-notifier.ts';

describeNotifierContract('in process', async () => {
  const notifier = new InProcessNotifier();
  return { publisher: notifier, listener: notifier, close: () => notifier.close() };
});
