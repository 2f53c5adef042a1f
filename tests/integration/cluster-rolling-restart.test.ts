/**
 * Fault test 8 on a 3-broker cluster (replication factor 3, min.insync.replicas=2, acks=all
 * producers: kafkajs and librdkafka): rolling restarts under load (ROUNDS of them). One broker at a time (the
 * controller last, as operators do) is stopped with SIGTERM, which must end in a controlled
 * shutdown and exit code 0, writes go on while it is down, then it starts again and rejoins
 * every ISR before the next one goes. Nothing acknowledged may be lost.
 */
import { AckCounter, expectNothingLost } from '../helpers/ack-counter';
import { TestCluster, say, sorted } from '../helpers/cluster';
import { ProducerLoop, waitForMoreAcks } from '../helpers/cluster-load';
import { readTopic } from '../helpers/cluster-read';
import { RdkafkaProducer } from '../helpers/rdkafka-producer';

const TOPIC = 'rolling';
const PARTITIONS = 3;
/** Full rolling restarts in a row (each restarts all three brokers). */
const ROUNDS = 2;

describe('Cluster faults: rolling restart with SIGTERM under load', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start('cluster-rolling-restart');
    await cluster.createTopic(TOPIC, PARTITIONS);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  /** One rolling restart: each broker (the controller last) SIGTERM, writes while it is down, start, full ISR again. */
  async function rollingRestart(round: number, counter: AckCounter): Promise<void> {
    const controller = await cluster.controller();
    const order = [...[1, 2, 3].filter((id) => id !== controller), controller];
    say(`[test 8] round ${round}: restart order [${order}] (controller ${controller})`);
    for (const id of order) {
      const b = cluster.broker(id);
      const t0 = Date.now();
      const code = await b.stop(60_000);
      say(`[test 8] broker ${id} stopped by SIGTERM in ${Date.now() - t0} ms, exit code ${code}`);
      expect({ broker: id, exitCode: code }).toEqual({ broker: id, exitCode: 0 });
      await waitForMoreAcks(counter, 200, 30_000, `writes while broker ${id} is down`);
      const t1 = Date.now();
      await b.start();
      for (let p = 0; p < PARTITIONS; p++) {
        const v = await cluster.waitForPartition(TOPIC, p, (x) => x.isr.length === 3 && x.leader >= 0, `broker ${id} back in the ISR`, 45_000);
        expect(sorted(v.isr)).toEqual([1, 2, 3]);
      }
      say(`[test 8] broker ${id} started and back in every ISR ${Date.now() - t1} ms later (${counter.acknowledged} acknowledged so far)`);
    }
  }

  it('8. rolling restarts of all three brokers lose nothing acknowledged', async () => {
    const counter = new AckCounter();
    await cluster.run('test 8 (rolling restart)', async () => {
      const kafkajs = new ProducerLoop(cluster.kafka('rolling-kafkajs'), { topic: TOPIC, partitions: PARTITIONS, source: 'kjs', counter });
      const rdkafka = new RdkafkaProducer({ bootstrap: cluster.bootstrap, topic: TOPIC, partitions: PARTITIONS, source: 'rd', counter, intervalUs: 3000 });
      await kafkajs.start();
      rdkafka.start();
      try {
        await waitForMoreAcks(counter, 300, 20_000, 'warm-up');
        for (let round = 1; round <= ROUNDS; round++) await rollingRestart(round, counter);
        await waitForMoreAcks(counter, 300, 30_000, 'writes after the rolling restart');
      } finally {
        await kafkajs.stop();
        await rdkafka.stop();
      }
      for (const line of cluster.grep(/controlled shutdown/i, 3)) say(`[test 8] ${line}`);
      expect(counter.acksOf(TOPIC, (a) => a.value.startsWith('kjs-')).length).toBeGreaterThan(0);
      expect(counter.acksOf(TOPIC, (a) => a.value.startsWith('rd-')).length).toBeGreaterThan(0);
      expectNothingLost(counter.check('test 8', TOPIC, await readTopic(cluster, TOPIC, PARTITIONS)));
    });
  }, 240_000);
});
