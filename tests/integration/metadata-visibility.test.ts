/**
 * A topic appears in Metadata only once its partitions have leaders (Kafka: the broker's
 * metadata cache gets a topic from the controller's UpdateMetadata, sent with the leaders it
 * elected). kafkajs fails a whole Metadata call on one LEADER_NOT_AVAILABLE partition, so an
 * admin listing all topics while another client creates some must never see one.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startTestBroker, type TestBroker } from './helpers';

jest.setTimeout(60000);

describe('Integration > Metadata shows a topic only with its leaders', () => {
  let broker: TestBroker;
  let lister: Admin;
  let creator: Admin;
  beforeAll(async () => {
    broker = await startTestBroker();
    const kafka = new Kafka({ brokers: [`127.0.0.1:${broker.port}`], clientId: 'md-vis', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    lister = kafka.admin();
    creator = kafka.admin();
    await Promise.all([lister.connect(), creator.connect()]);
  });
  afterAll(async () => {
    await Promise.all([lister.disconnect(), creator.disconnect()]);
    await broker.destroy();
  });

  it('an admin listing all topics during creations never gets LEADER_NOT_AVAILABLE', async () => {
    let creating = true;
    const failures: string[] = [];
    let calls = 0;
    const listing = (async () => {
      while (creating) {
        calls++;
        try {
          await lister.fetchTopicMetadata();
        } catch (e) {
          failures.push((e as { type?: string }).type ?? (e as Error).message);
        }
      }
    })();
    for (let i = 0; i < 5; i++) {
      await Promise.all([0, 1, 2].map((j) => creator.createTopics({ topics: Array.from({ length: 5 }, (_, k) => ({ topic: `vis-${i}-${j}-${k}`, numPartitions: 8 })) })));
    }
    creating = false;
    await listing;
    expect(calls).toBeGreaterThan(40);
    expect(failures).toEqual([]);
  });
});
