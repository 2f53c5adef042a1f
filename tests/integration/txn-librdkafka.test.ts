/**
 * Integration > Transactions > librdkafka: its transactional API (tests/helpers/rdkafka-txn.c,
 * built against librdkafka-dev) commits and aborts transactions on one in-process broker; a
 * read_committed consumer (kafkajs's default) then sees exactly the committed messages and a
 * read_uncommitted one all of them. And librdkafka's idempotent producer
 * (enable.idempotence=true) gets every message acknowledged once, each at its own offset.
 */
import { execFile } from 'child_process';
import path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { AckCounter } from '../helpers/ack-counter';
import { RdkafkaProducer, rdkafkaProgram } from '../helpers/rdkafka-producer';
import { startTestBroker, type TestBroker } from './helpers';

jest.setTimeout(120_000);
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

async function consumeAll(kafka: Kafka, topic: string, expected: number, readUncommitted: boolean): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `read-${topic}-${readUncommitted ? 'uncommitted' : 'committed'}`, readUncommitted, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    const deadline = Date.now() + 20_000;
    while (values.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500)); // anything beyond `expected` shows up too
  } finally {
    await consumer.disconnect();
  }
  return values.sort();
}

describe('Integration > Transactions > librdkafka', () => {
  let b: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    b = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 } });
    kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'txn-rd-it', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'rd-txn', numPartitions: 2 }, { topic: 'rd-idem', numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
  });
  afterAll(async () => {
    await b.destroy();
  });

  it('commits and aborts transactions through librdkafka\'s transactional API', async () => {
    const bin = rdkafkaProgram(path.join(__dirname, '..', 'helpers', 'rdkafka-txn.c'));
    // asynchronously: the broker runs in this process
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(bin, [b.bootstrap, 'rd-txn', '2', 'rd-txn-1', '6', '5', '3'], { encoding: 'utf8', timeout: 90_000 }, (_err, stdout) => resolve({ code: child.exitCode, stdout }));
    });
    expect(out.stdout.trim().split('\n')).toEqual(['COMMIT 1', 'COMMIT 2', 'ABORT 3', 'COMMIT 4', 'COMMIT 5', 'ABORT 6', 'DONE 4 2']);
    expect(out.code).toBe(0);
  });

  it('a read_committed consumer gets the 20 committed messages, a read_uncommitted one all 30', async () => {
    const committed = [1, 2, 4, 5].flatMap((t) => [0, 1, 2, 3, 4].map((i) => `rd-txn-1-${t}-${i}`)).sort();
    const all = [1, 2, 3, 4, 5, 6].flatMap((t) => [0, 1, 2, 3, 4].map((i) => `rd-txn-1-${t}-${i}`)).sort();
    expect(await consumeAll(kafka, 'rd-txn', committed.length, false)).toEqual(committed);
    expect(await consumeAll(kafka, 'rd-txn', all.length, true)).toEqual(all);
  });

  it('enable.idempotence=true: every message acknowledged once, at its own offset, none lost or doubled', async () => {
    const counter = new AckCounter();
    const p = new RdkafkaProducer({ bootstrap: b.bootstrap, topic: 'rd-idem', partitions: 2, source: 'idem', counter, count: 3000, intervalUs: 100, config: { 'enable.idempotence': 'true', 'max.in.flight.requests.per.connection': '5' } });
    p.start();
    await p.finished();
    expect(p.summary).toEqual({ produced: 3000, acked: 3000, failed: 0 });
    expect(counter.acknowledged).toBe(3000);
    const values = await consumeAll(kafka, 'rd-idem', 3000, false);
    expect(values.length).toBe(3000);
    expect(new Set(values).size).toBe(3000);
  });
});
