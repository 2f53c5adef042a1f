/**
 * Fault tests 3 and 5 on a 3-broker cluster (replication factor 3, min.insync.replicas=2,
 * acks=all kafkajs producers, replica.lag.time.max.ms=3000, ZooKeeper sessions of 6 s):
 * 3. SIGSTOP a follower: the ISR shrinks without it and acks=all writes go on; SIGCONT: it
 *    catches up and rejoins the ISR, its log then equal to the others';
 * 5. SIGSTOP two of the three replicas: every acks=all write sent meanwhile is refused, none
 *    acknowledged (kafkajs, and Produce requests straight to the live leader, which must answer
 *    NOT_ENOUGH_REPLICAS or time out); after SIGCONT writes work again.
 * Each test uses a one-partition topic, so the paused brokers lead no partition of it.
 * Test 3's progress is counted over librdkafka and kafkajs together: the paused follower may
 * be the broker kafkajs asks for metadata, and kafkajs then stalls until it gives up on it.
 */
import { AckCounter, expectNothingLost } from '../helpers/ack-counter';
import { TestCluster, say, sleep, sorted } from '../helpers/cluster';
import { ProducerLoop, produceDirect, waitForMoreAcks } from '../helpers/cluster-load';
import { readTopic, waitForIdenticalReplicas } from '../helpers/cluster-read';
import { RdkafkaProducer } from '../helpers/rdkafka-producer';

describe('Cluster faults: paused replicas (SIGSTOP)', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start('cluster-isr');
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('3. SIGSTOP of a follower: the ISR shrinks and writes go on; SIGCONT: it rejoins', async () => {
    const topic = 'paused-follower';
    const counter = new AckCounter();
    await cluster.run('test 3 (paused follower)', async () => {
      await cluster.createTopic(topic, 1);
      const loop = new ProducerLoop(cluster.kafka('paused-follower'), { topic, partitions: 1, source: 'kjs', counter, retries: 2 });
      const rdkafka = new RdkafkaProducer({ bootstrap: cluster.bootstrap, topic, partitions: 1, source: 'rd', counter, intervalUs: 5000 });
      await loop.start();
      rdkafka.start();
      try {
        await waitForMoreAcks(counter, 200, 20_000, 'warm-up');
        const { leader, isr } = await cluster.leaderOf(topic, 0);
        const follower = isr.find((id) => id !== leader)!;
        const t0 = Date.now();
        cluster.broker(follower).pause();
        say(`[test 3] paused follower ${follower} (leader ${leader}) after ${counter.acknowledged} acks`);
        const shrunk = await cluster.waitForPartition(topic, 0, (v) => !v.isr.includes(follower), `ISR without ${follower}`, 20_000);
        const tShrunk = Date.now();
        say(`[test 3] ISR shrank to [${shrunk.isr}] ${tShrunk - t0} ms after the pause (leader ${shrunk.leader})`);
        expect(shrunk.leader).toBe(leader);
        expect(sorted(shrunk.isr)).toEqual(sorted([leader, ...isr.filter((id) => id !== leader && id !== follower)]));
        const ackedAtShrink = counter.acknowledged;
        await waitForMoreAcks(counter, 200, 20_000, `writes with follower ${follower} paused`);
        say(`[test 3] ${counter.acknowledged - ackedAtShrink} acknowledged with the ISR shrunk (kafkajs ${loop.acksSince(tShrunk)})`);
        const t1 = Date.now();
        cluster.broker(follower).resume();
        const back = await cluster.waitForPartition(topic, 0, (v) => v.isr.includes(follower), `${follower} back in the ISR`, 45_000);
        say(`[test 3] follower ${follower} resumed: ISR [${back.isr}] ${Date.now() - t1} ms later, leader ${back.leader}`);
        expect(sorted(back.isr)).toEqual([1, 2, 3]);
        await waitForMoreAcks(counter, 100, 20_000, 'writes after the rejoin');
      } finally {
        await loop.stop();
        await rdkafka.stop();
      }
      const n = await waitForIdenticalReplicas(cluster, topic, 0, [1, 2, 3]);
      say(`[test 3] the three replicas hold the same ${n} records`);
      expectNothingLost(counter.check('test 3', topic, await readTopic(cluster, topic, 1)));
    });
  }, 150_000);

  it('5. SIGSTOP of two of three replicas: acks=all writes are refused, none acknowledged', async () => {
    const topic = 'two-paused';
    const counter = new AckCounter();
    const OUTAGE_MS = 12_000;
    await cluster.run('test 5 (two replicas paused)', async () => {
      await cluster.createTopic(topic, 1);
      const warm = new ProducerLoop(cluster.kafka('two-paused-warm'), { topic, partitions: 1, source: 'warm', counter });
      await warm.start();
      try {
        await warm.waitForAcks(200, 20_000, 'warm-up');
      } finally {
        await warm.stop();
      }
      const { leader, isr } = await cluster.leaderOf(topic, 0);
      const followers = isr.filter((id) => id !== leader);
      expect(followers).toHaveLength(2);
      for (const f of followers) cluster.broker(f).pause();
      const t0 = Date.now();
      say(`[test 5] paused followers [${followers}] of leader ${leader}`);
      // Few retries and a short ack timeout: each refused send settles within a few seconds.
      const loop = new ProducerLoop(cluster.kafka('two-paused'), { topic, partitions: 1, source: 'outage', counter, retries: 2, ackTimeoutMs: 2000 });
      await loop.start();
      // Besides kafkajs (whose sends may also fail inside the client), acks=all produces sent
      // straight to the live leader: what the broker answers.
      const direct: { acked: boolean; error: string }[] = [];
      for (let i = 0; Date.now() - t0 < OUTAGE_MS; i++) {
        direct.push(await produceDirect(cluster, leader, topic, 0, [`direct-${2 * i}`, `direct-${2 * i + 1}`], counter, 2000));
        await sleep(300);
      }
      await loop.stop();
      const tEnd = Date.now();
      const failures = loop.failuresSince(t0);
      const directErrors: Record<string, number> = {};
      for (const d of direct) directErrors[d.error] = (directErrors[d.error] ?? 0) + 1;
      say(`[test 5] during ${tEnd - t0} ms with two replicas paused: kafkajs ${loop.sent} sent, ${loop.acksSince(t0)} acknowledged, ${failures.count} refused ${JSON.stringify(failures.reasons)}`);
      say(`[test 5] produce straight to leader ${leader}: ${direct.length} requests, ${direct.filter((d) => d.acked).length} acknowledged, answers ${JSON.stringify(directErrors)}`);
      say(`[test 5] partition as the leader sees it: ${JSON.stringify(await cluster.partition(topic, 0, leader))}`);
      expect(loop.acksSince(t0)).toBe(0);
      expect(failures.count).toBe(loop.sent);
      expect(direct.filter((d) => d.acked)).toEqual([]);
      expect(direct.length).toBeGreaterThan(3);
      for (const reason of Object.keys(directErrors)) expect(reason).toMatch(/NOT_ENOUGH_REPLICAS|REQUEST_TIMED_OUT|no response within/);
      for (const f of followers) cluster.broker(f).resume();
      await cluster.dev.waitForBrokers([1, 2, 3], 45_000);
      const back = await cluster.waitForPartition(topic, 0, (v) => v.isr.length === 3, 'the full ISR again', 45_000);
      say(`[test 5] resumed: ISR [${back.isr}] leader ${back.leader} ${Date.now() - tEnd} ms later`);
      const after = new ProducerLoop(cluster.kafka('two-paused-after'), { topic, partitions: 1, source: 'after', counter });
      await after.start();
      try {
        await after.waitForAcks(100, 30_000, 'writes after SIGCONT');
      } finally {
        await after.stop();
      }
      expectNothingLost(counter.check('test 5', topic, await readTopic(cluster, topic, 1)));
    });
  }, 150_000);
});
