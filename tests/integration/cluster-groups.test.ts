/**
 * Fault test 7 on a 3-broker cluster (__consumer_offsets with 6 partitions, replication factor
 * 3, min.insync.replicas=2): a kafkajs consumer group consumes a topic and commits; kill -9 the
 * broker that coordinates the group (the leader of its __consumer_offsets partition,
 * abs(javaHash(groupId)) % 6). The group must continue on the new coordinator with its
 * committed offsets: no record below an offset committed before the kill is delivered again
 * after it, every acknowledged record (produced before and after the kill) is consumed, and the
 * new coordinator returns committed offsets at least as far as before, up to the end.
 */
import type { Consumer } from 'kafkajs';
import { AckCounter, expectNothingLost } from '../helpers/ack-counter';
import { TestCluster, say, sleep } from '../helpers/cluster';
import { ProducerLoop } from '../helpers/cluster-load';
import { readTopic } from '../helpers/cluster-read';

const TOPIC = 'group-failover';
const PARTITIONS = 3;
const GROUP = 'cluster-faults-group';
const OFFSETS_PARTITIONS = 6;

/** Java's String.hashCode, as Kafka uses for the coordinator partition. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

interface Delivery {
  partition: number;
  offset: bigint;
  value: string;
  at: number;
}

describe('Cluster faults: group coordinator killed with SIGKILL', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start('cluster-groups');
    await cluster.createTopic(TOPIC, PARTITIONS);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('7. kill -9 of the coordinator: the group continues on the new one with its committed offsets', async () => {
    const counter = new AckCounter();
    const deliveries: Delivery[] = [];
    await cluster.run('test 7 (kill -9 group coordinator)', async () => {
      const kafka = cluster.kafka('group-failover');
      const admin = kafka.admin();
      await admin.connect();
      let consumer: Consumer | undefined;
      const committed = async (): Promise<bigint[]> => {
        const r = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        const parts = r.find((t) => t.topic === TOPIC)?.partitions ?? [];
        return [...Array(PARTITIONS).keys()].map((p) => BigInt(parts.find((x) => x.partition === p)?.offset ?? '-1'));
      };
      const hws = async (): Promise<bigint[]> => {
        const r = await admin.fetchTopicOffsets(TOPIC);
        return [...Array(PARTITIONS).keys()].map((p) => BigInt(r.find((x) => x.partition === p)!.high));
      };
      const consumedAll = (): boolean => {
        const seen = new Set(deliveries.map((d) => `${d.partition}/${d.value}`));
        return counter.acksOf(TOPIC).every((a) => seen.has(`${a.partition}/${a.value}`));
      };
      const waitUntil = async (cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> => {
        const deadline = Date.now() + timeoutMs;
        while (!(await cond())) {
          if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
          await sleep(200);
        }
      };
      try {
        const before = new ProducerLoop(kafka, { topic: TOPIC, partitions: PARTITIONS, source: 'before', counter });
        await before.start();
        await before.waitForAcks(300, 20_000, 'records before the kill');
        await before.stop();

        consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 1000, rebalanceTimeout: 15_000, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
        await consumer.connect();
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        await consumer.run({
          autoCommitInterval: 200,
          eachMessage: async ({ partition, message }) => {
            deliveries.push({ partition, offset: BigInt(message.offset), value: message.value?.toString() ?? '', at: Date.now() });
          },
        });
        await waitUntil(consumedAll, 30_000, 'the group to consume the first records');
        const ends = await hws();
        await waitUntil(async () => (await committed()).every((c, p) => c === ends[p]), 20_000, `commits up to [${ends}]`);
        const c1 = await committed();

        const coordinator = await cluster.coordinatorOf(GROUP);
        const offsetsPartition = Math.abs(javaHash(GROUP)) % OFFSETS_PARTITIONS;
        const offsetsLeader = (await cluster.leaderOf('__consumer_offsets', offsetsPartition)).leader;
        say(`[test 7] group ${GROUP}: committed [${c1}], coordinator ${coordinator} (__consumer_offsets-${offsetsPartition} led by ${offsetsLeader})`);
        expect(coordinator).toBe(offsetsLeader);

        const t0 = Date.now();
        cluster.broker(coordinator).kill('SIGKILL');
        await cluster.broker(coordinator).exited;
        const after = new ProducerLoop(kafka, { topic: TOPIC, partitions: PARTITIONS, source: 'after', counter });
        await after.start();
        try {
          await after.waitForAcks(300, 40_000, 'records after the kill');
        } finally {
          await after.stop();
        }
        const next = await cluster.coordinatorOf(GROUP, 30_000);
        say(`[test 7] killed coordinator ${coordinator}; new coordinator ${next} ${Date.now() - t0} ms later`);
        expect(next).not.toBe(coordinator);
        await waitUntil(consumedAll, 60_000, 'the group to consume every acknowledged record after the kill');
        say(`[test 7] every acknowledged record consumed ${Date.now() - t0} ms after the kill (${deliveries.length} deliveries)`);
        const c2 = await committed();
        say(`[test 7] committed offsets on the new coordinator: [${c2}] (before the kill: [${c1}])`);
        const rewound = deliveries.filter((d) => d.at > t0 && d.offset < c1[d.partition]!);
        const firstAfter = [...Array(PARTITIONS).keys()].map((p) => deliveries.find((d) => d.at > t0 && d.partition === p)?.offset ?? -1n);
        say(`[test 7] deliveries after the kill below the offsets committed before it: ${rewound.length}; first offset delivered after the kill per partition: [${firstAfter}]`);
        expect(rewound.slice(0, 5).map((d) => `${TOPIC}-${d.partition}@${d.offset}`)).toEqual([]);
        for (let p = 0; p < PARTITIONS; p++) expect(c2[p]! >= c1[p]!).toBe(true);
        const ends2 = await hws();
        await waitUntil(async () => (await committed()).every((c, p) => c === ends2[p]), 20_000, `commits up to [${ends2}] on the new coordinator`);
      } finally {
        await consumer?.disconnect().catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
      }
      expectNothingLost(counter.check('test 7', TOPIC, await readTopic(cluster, TOPIC, PARTITIONS)));
    });
  }, 200_000);
});
