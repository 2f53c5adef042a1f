/**
 * Fault test 6 on a 3-broker cluster (replication factor 3, min.insync.replicas=2, acks=all,
 * ZooKeeper sessions of 6 s): kill -9 the controller under load. Another broker must become
 * controller (every broker names it in Metadata), partitions the dead broker led must get new
 * leaders, and once the killed broker is back, a later failure (kill -9 of a partition leader
 * that is not the new controller) must be handled by the new controller: new leaders, writes
 * going on, nothing acknowledged lost.
 */
import { AckCounter, expectNothingLost } from '../helpers/ack-counter';
import { TestCluster, say } from '../helpers/cluster';
import { ProducerLoop } from '../helpers/cluster-load';
import { readTopic } from '../helpers/cluster-read';

const TOPIC = 'controller-failover';
const PARTITIONS = 3;

describe('Cluster faults: controller killed with SIGKILL', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start('cluster-controller');
    await cluster.createTopic(TOPIC, PARTITIONS);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  async function leaders(): Promise<number[]> {
    const out: number[] = [];
    for (let p = 0; p < PARTITIONS; p++) out.push((await cluster.leaderOf(TOPIC, p)).leader);
    return out;
  }

  it('6. kill -9 of the controller: a new controller, which then handles a later broker failure', async () => {
    const counter = new AckCounter();
    await cluster.run('test 6 (kill -9 controller)', async () => {
      const loop = new ProducerLoop(cluster.kafka('controller-failover'), { topic: TOPIC, partitions: PARTITIONS, source: 'kjs', counter });
      await loop.start();
      try {
        await loop.waitForAcks(300, 20_000, 'warm-up');
        const first = await cluster.controller();
        const t0 = Date.now();
        cluster.broker(first).kill('SIGKILL');
        await cluster.broker(first).exited;
        say(`[test 6] killed controller ${first}; leaders were [${await leaders()}]`);
        const second = await cluster.waitForController((id) => id >= 0 && id !== first, `a controller other than ${first}`, 30_000);
        say(`[test 6] broker ${second} is controller ${Date.now() - t0} ms after the kill`);
        for (let p = 0; p < PARTITIONS; p++) {
          const v = await cluster.waitForPartition(TOPIC, p, (x) => x.leader >= 0 && x.leader !== first && !x.isr.includes(first), `a leader and ISR without ${first}`, 30_000);
          say(`[test 6] ${TOPIC}-${p}: leader ${v.leader} epoch ${v.leaderEpoch} isr [${v.isr}]`);
        }
        await loop.waitForAcks(200, 30_000, 'writes under the new controller');

        await cluster.broker(first).restart();
        for (let p = 0; p < PARTITIONS; p++) await cluster.waitForPartition(TOPIC, p, (x) => x.isr.includes(first), `${first} back in the ISR`, 45_000);
        expect(await cluster.controller()).toBe(second);
        say(`[test 6] broker ${first} restarted and back in every ISR; controller still ${second}`);

        const current = await leaders();
        const victim = current.find((id) => id !== second) ?? [1, 2, 3].find((id) => id !== second)!;
        const led = current.flatMap((id, p) => (id === victim ? [p] : []));
        const t1 = Date.now();
        cluster.broker(victim).kill('SIGKILL');
        await cluster.broker(victim).exited;
        say(`[test 6] killed broker ${victim} (leader of partitions [${led}]) under controller ${second}`);
        for (const p of led) {
          const v = await cluster.waitForPartition(TOPIC, p, (x) => x.leader >= 0 && x.leader !== victim, `a leader other than ${victim}`, 30_000);
          say(`[test 6] ${TOPIC}-${p}: new leader ${v.leader} epoch ${v.leaderEpoch} isr [${v.isr}] ${Date.now() - t1} ms after the kill`);
        }
        expect(await cluster.controller()).toBe(second);
        await loop.waitForAcks(200, 30_000, 'writes after the second failure');
      } finally {
        await loop.stop();
      }
      for (const line of cluster.grep(/elected as controller|Elected leader|Brokers added/, 4)) say(`[test 6] ${line}`);
      expectNothingLost(counter.check('test 6', TOPIC, await readTopic(cluster, TOPIC, PARTITIONS)));
    });
  }, 180_000);
});
