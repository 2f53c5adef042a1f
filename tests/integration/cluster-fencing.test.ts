/**
 * Fault test 4 on a 3-broker cluster (replication factor 3, min.insync.replicas=2, acks=all,
 * ZooKeeper sessions of 6 s): SIGSTOP the leader of a partition under load until the
 * controller has elected another leader, then SIGCONT it. The deposed leader must be fenced
 * (an acks=all produce sent straight to it right after SIGCONT, as a client with stale
 * metadata would, is not acknowledged unless it really is in the log at that offset), it must
 * truncate whatever it appended that the new leader does not have and rejoin the ISR, and no
 * acknowledged write may be lost. Its log on disk must end up equal to the other replicas'.
 * Producers: librdkafka and kafkajs (few retries: kafkajs stays stuck on a silent broker
 * otherwise, see cluster-load.ts); progress is counted over both.
 */
import { AckCounter, expectNothingLost } from '../helpers/ack-counter';
import { TestCluster, say, sorted } from '../helpers/cluster';
import { ProducerLoop, produceDirect, waitForMoreAcks } from '../helpers/cluster-load';
import { firstDivergence, readReplicaFiles, readTopic, waitForIdenticalReplicas } from '../helpers/cluster-read';
import { RdkafkaProducer } from '../helpers/rdkafka-producer';

const TOPIC = 'fencing';

describe('Cluster faults: paused leader (SIGSTOP until a new leader is elected)', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start('cluster-fencing');
    await cluster.createTopic(TOPIC, 1);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('4. the deposed leader is fenced, truncates to the new leader, and no acknowledged write is lost', async () => {
    const counter = new AckCounter();
    await cluster.run('test 4 (paused leader)', async () => {
      const loop = new ProducerLoop(cluster.kafka('fencing'), { topic: TOPIC, partitions: 1, source: 'kjs', counter, retries: 2 });
      const rdkafka = new RdkafkaProducer({ bootstrap: cluster.bootstrap, topic: TOPIC, partitions: 1, source: 'rd', counter, intervalUs: 5000 });
      await loop.start();
      rdkafka.start();
      try {
        await loop.waitForAcks(300, 20_000, 'warm-up');
        const before = await cluster.leaderOf(TOPIC, 0);
        const old = before.leader;
        const t0 = Date.now();
        cluster.broker(old).pause();
        say(`[test 4] paused leader ${old} (epoch ${before.leaderEpoch}, isr [${before.isr}]) after ${loop.acked} acks`);
        const elected = await cluster.waitForPartition(TOPIC, 0, (v) => v.leader >= 0 && v.leader !== old && v.leaderEpoch > before.leaderEpoch, `a leader other than ${old}`, 30_000);
        say(`[test 4] new leader ${elected.leader} epoch ${elected.leaderEpoch} isr [${elected.isr}] ${Date.now() - t0} ms after the pause`);
        await waitForMoreAcks(counter, 200, 30_000, 'writes to the new leader');
        say(`[test 4] acknowledged since the pause: kafkajs ${loop.acksSince(t0)}; all producers ${counter.acknowledged}`);

        // What the deposed leader holds that the new leader does not (its files, read while it is stopped).
        const oldLog = readReplicaFiles(cluster.broker(old).logDir, TOPIC, 0);
        const newLog = readReplicaFiles(cluster.broker(elected.leader).logDir, TOPIC, 0);
        const newAt = new Map(newLog.map((r) => [r.offset, r.value]));
        const divergent = oldLog.filter((r) => newAt.has(r.offset) && newAt.get(r.offset) !== r.value);
        say(`[test 4] deposed leader's log: ${oldLog.length} records, ${divergent.length} of them at offsets where the new leader holds other records (first: ${JSON.stringify(divergent[0], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))})`);

        const t1 = Date.now();
        cluster.broker(old).resume();
        const stale = await produceDirect(cluster, old, TOPIC, 0, ['stale-0', 'stale-1'], counter, 3000);
        say(`[test 4] acks=all produce sent straight to the deposed leader ${old} after SIGCONT: ${stale.acked ? 'ACKNOWLEDGED' : `refused (${stale.error})`}`);
        const rejoined = await cluster.waitForPartition(TOPIC, 0, (v) => v.isr.includes(old) && v.leader !== old, `${old} back in the ISR as a follower`, 45_000);
        say(`[test 4] ${old} rejoined the ISR [${rejoined.isr}] (leader ${rejoined.leader} epoch ${rejoined.leaderEpoch}) ${Date.now() - t1} ms after SIGCONT`);
        expect(sorted(rejoined.isr)).toEqual([1, 2, 3]);
        await waitForMoreAcks(counter, 100, 20_000, 'writes after the rejoin');
      } finally {
        await loop.stop();
        await rdkafka.stop();
      }
      for (const line of cluster.grep(/truncat|fenc|stale|epoch .* (older|newer)|NOT_LEADER|FENCED/i, 6)) say(`[test 4] ${line}`);
      const n = await waitForIdenticalReplicas(cluster, TOPIC, 0, [1, 2, 3]);
      say(`[test 4] the three replicas hold the same ${n} records`);
      const all = await readTopic(cluster, TOPIC, 1);
      expect(firstDivergence(all, readReplicaFiles(cluster.broker(1).logDir, TOPIC, 0).slice(0, all.length))).toBeNull();
      expectNothingLost(counter.check('test 4', TOPIC, all));
    });
  }, 180_000);
});
