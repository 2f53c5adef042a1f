/** In-process broker for the group integration tests: startTestBroker plus group defaults and restart. */
import { startTestBroker, type TestBroker as BaseTestBroker } from './helpers';

export interface TestBroker extends BaseTestBroker {
  dir: string;
  /** Stops this broker and starts a new one on the same log dir and port. */
  restart(): Promise<TestBroker>;
  /** Stops the broker and removes its log dir. */
  remove(): Promise<void>;
}

export async function startGroupBroker(overrides: Record<string, string> = {}, dir?: string, port = 0): Promise<TestBroker> {
  const b = await startTestBroker({
    port,
    dataDir: dir,
    config: { 'broker.id': 1, 'offsets.topic.replication.factor': 1, 'group.initial.rebalance.delay.ms': 0, 'num.partitions': 1, ...overrides },
  });
  return {
    ...b,
    dir: b.dataDir,
    async restart() {
      await b.stop();
      return startGroupBroker(overrides, b.dataDir, b.port);
    },
    remove: () => b.destroy(),
  };
}
