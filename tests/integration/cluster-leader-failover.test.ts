/**
 * Fault tests 1 and 2 on a 3-broker cluster (replication factor 3, min.insync.replicas=2,
 * acks=all producers: kafkajs and librdkafka):
 * 1. kill -9 the leader mid-stream: a new leader is elected, writes go on, and afterwards every
 *    acknowledged message is in the log at its acknowledged offset, in per-partition order;
 * 2. the killed broker restarts (writes going on while it is down), catches up and rejoins the
 *    ISR of every partition (Metadata shows it), its log then equal to the other replicas'.
 */
import { AckCounter, expectNothingLost } from '../helpers/ack-counter';
import { TestCluster, say, sorted } from '../helpers/cluster';
import { ProducerLoop } from '../helpers/cluster-load';
import { readTopic, waitForIdenticalReplicas } from '../helpers/cluster-read';
import { RdkafkaProducer } from '../helpers/rdkafka-producer';

const TOPIC = 'failover';
const PARTITIONS = 3;

describe('Cluster faults: leader killed with SIGKILL', () => {
  let cluster: TestCluster;
  const counter = new AckCounter();
  /** The broker test 1 killed (test 2 restarts it). */
  let killed: number | undefined;

  beforeAll(async () => {
    cluster = await TestCluster.start('cluster-leader-failover');
    await cluster.createTopic(TOPIC, PARTITIONS);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('1. kill -9 of the leader mid-stream: a new leader, and every acknowledged message consumed in order', async () => {
    await cluster.run(
      'test 1 (kill -9 leader)',
      async () => {
        const kafkajs = new ProducerLoop(cluster.kafka('failover-kafkajs'), { topic: TOPIC, partitions: PARTITIONS, source: 'kjs', counter });
        const rdkafka = new RdkafkaProducer({ bootstrap: cluster.bootstrap, topic: TOPIC, partitions: PARTITIONS, source: 'rd', counter, intervalUs: 2000 });
        await kafkajs.start();
        rdkafka.start();
        try {
          await kafkajs.waitForAcks(300, 20_000, 'warm-up');
          const before = await cluster.leaderOf(TOPIC, 0);
          const victim = before.leader;
          const led = [];
          for (let p = 0; p < PARTITIONS; p++) if ((await cluster.leaderOf(TOPIC, p)).leader === victim) led.push(p);
          const t0 = Date.now();
          cluster.broker(victim).kill('SIGKILL');
          killed = victim;
          await cluster.broker(victim).exited;
          say(`[test 1] killed broker ${victim} (leader of partitions [${led}], epoch ${before.leaderEpoch} on p0) after ${counter.acknowledged} acks`);
          for (const p of led) {
            const after = await cluster.waitForPartition(TOPIC, p, (v) => v.leader >= 0 && v.leader !== victim && v.leaderEpoch > before.leaderEpoch - 1, `a leader other than ${victim}`, 30_000);
            say(`[test 1] ${TOPIC}-${p}: new leader ${after.leader} epoch ${after.leaderEpoch} isr [${after.isr}] after ${Date.now() - t0} ms`);
            expect(after.isr).not.toContain(victim);
          }
          await kafkajs.waitForAcks(300, 30_000, 'acks after the new leaders');
          say(`[test 1] kafkajs: ${kafkajs.acked} acknowledged, ${kafkajs.acksSince(t0)} of them since the kill ${Date.now() - t0} ms ago`);
        } finally {
          await kafkajs.stop();
          await rdkafka.stop();
        }
        expect(counter.acksOf(TOPIC, (a) => a.value.startsWith('rd-')).length).toBeGreaterThan(0);
        const report = counter.check('test 1', TOPIC, await readTopic(cluster, TOPIC, PARTITIONS));
        expectNothingLost(report);
      },
      { restore: false },
    );
  }, 150_000);

  it('2. the killed broker restarts, catches up and rejoins the ISR', async () => {
    await cluster.run('test 2 (restart and rejoin)', async () => {
      let victim = killed !== undefined && !cluster.broker(killed).alive ? killed : undefined;
      if (victim === undefined) {
        victim = (await cluster.leaderOf(TOPIC, 0)).leader;
        cluster.broker(victim).kill('SIGKILL');
        await cluster.broker(victim).exited;
      }
      for (let p = 0; p < PARTITIONS; p++) await cluster.waitForPartition(TOPIC, p, (v) => !v.isr.includes(victim!) && v.leader >= 0, `broker ${victim} out of the ISR`, 30_000);
      const loop = new ProducerLoop(cluster.kafka('rejoin-kafkajs'), { topic: TOPIC, partitions: PARTITIONS, source: 'kjs2', counter });
      await loop.start();
      try {
        const tDown = Date.now();
        await loop.waitForAcks(300, 30_000, `writes while broker ${victim} is down`);
        say(`[test 2] 300 acknowledged in ${Date.now() - tDown} ms while broker ${victim} is down`);
        const t0 = Date.now();
        await cluster.broker(victim).restart();
        say(`[test 2] broker ${victim} restarted (pid ${cluster.broker(victim).pid}) in ${Date.now() - t0} ms`);
        for (let p = 0; p < PARTITIONS; p++) {
          const v = await cluster.waitForPartition(TOPIC, p, (x) => x.isr.includes(victim!), `broker ${victim} back in the ISR`, 45_000);
          say(`[test 2] ${TOPIC}-${p}: isr [${v.isr}] leader ${v.leader} epoch ${v.leaderEpoch}, ${Date.now() - t0} ms after the restart`);
          expect(sorted(v.isr)).toEqual([1, 2, 3]);
        }
        await loop.waitForAcks(100, 20_000, 'writes after the rejoin');
      } finally {
        await loop.stop();
      }
      for (let p = 0; p < PARTITIONS; p++) {
        const n = await waitForIdenticalReplicas(cluster, TOPIC, p, [1, 2, 3]);
        say(`[test 2] ${TOPIC}-${p}: the three replicas hold the same ${n} records`);
      }
      const report = counter.check('test 2', TOPIC, await readTopic(cluster, TOPIC, PARTITIONS));
      expectNothingLost(report);
    });
  }, 150_000);
});
