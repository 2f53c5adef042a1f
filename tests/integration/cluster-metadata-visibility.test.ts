/**
 * In a cluster too, a broker's Metadata shows a topic only once the controller's UpdateMetadata
 * brought it with its leaders: an admin listing all topics on one broker while another admin
 * creates topics through another broker never meets LEADER_NOT_AVAILABLE (kafkajs fails the whole
 * Metadata call on one such partition).
 */
import { Kafka, logLevel } from 'kafkajs';
import { TestCluster } from '../helpers/cluster';

jest.setTimeout(180_000);

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start('metadata-visibility');
});
afterAll(async () => {
  await cluster?.destroy();
});

describe('Integration > cluster > Metadata shows a topic only with its leaders', () => {
  it('listing all topics on broker 1 while topics are created through broker 2', async () => {
    await cluster.run('listing during creations', async () => {
      const on = (id: number) => new Kafka({ clientId: `vis-${id}`, brokers: [`${cluster.broker(id).host}:${cluster.broker(id).port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
      const lister = on(1).admin();
      const creator = on(2).admin();
      await Promise.all([lister.connect(), creator.connect()]);
      let creating = true;
      let calls = 0;
      const failures: string[] = [];
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
      for (let i = 0; i < 15; i++) {
        await creator.createTopics({ topics: [{ topic: `cvis-${i}`, numPartitions: 6, replicationFactor: 3 }], waitForLeaders: false });
      }
      creating = false;
      await listing;
      await Promise.all([lister.disconnect(), creator.disconnect()]);
      expect(calls).toBeGreaterThan(15);
      expect(failures).toEqual([]);
    });
  });
});
