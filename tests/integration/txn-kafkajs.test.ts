/**
 * Integration > Transactions > kafkajs: a transactional producer against one in-process broker:
 * commit and abort, fencing by a second producer with the same transactional id, sendOffsets
 * (TxnOffsetCommit) visible to OffsetFetch only after the commit, DescribeTransactions and
 * ListTransactions over the raw protocol, and a read_committed consumer that sees only the
 * committed records.
 */
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { ApiKey } from '../../protocol/generated/api-keys';
import { RawClient } from '../../bench/raw-client';
import { startTestBroker, waitFor, type TestBroker } from './helpers';

jest.setTimeout(60_000);
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

const TOPIC = 'txn-orders';

describe('Integration > Transactions > kafkajs', () => {
  let b: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  const producers: Producer[] = [];

  beforeAll(async () => {
    b = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 } });
    kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'txn-it', logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  });
  afterAll(async () => {
    for (const p of producers) await p.disconnect().catch(() => undefined);
    await admin.disconnect();
    await b.destroy();
  });

  function producer(transactionalId: string): Producer {
    const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    producers.push(p);
    return p;
  }

  it('creates __transaction_state with the transaction.state.log.* settings on the first FindCoordinator', async () => {
    const p = producer('tx-create');
    await p.connect();
    const t = await p.transaction();
    await t.abort();
    const topic = b.services.metadataCache.topic('__transaction_state')!;
    expect(topic.assignment.size).toBe(3);
    expect(topic.isInternal).toBe(true);
    expect(topic.configs).toMatchObject({ 'cleanup.policy': 'compact', 'compression.type': 'uncompressed', 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'false', 'segment.bytes': '104857600' });
  });

  it('commits and aborts transactions; the coordinator completes them (markers written)', async () => {
    const p = producer('tx-commit');
    await p.connect();
    const t1 = await p.transaction();
    await t1.send({ topic: TOPIC, messages: [{ key: 'k', value: 'committed-1' }] });
    await t1.commit();
    const t2 = await p.transaction();
    await t2.send({ topic: TOPIC, messages: [{ key: 'k', value: 'aborted-1' }] });
    await t2.abort();
    // the next transaction starts only once the previous one completed (markers written)
    const t3 = await p.transaction();
    await t3.send({ topic: TOPIC, messages: [{ key: 'k', value: 'committed-2' }] });
    await t3.commit();
    const tc = b.services.txnCoordinator!;
    await waitFor(() => tc.handleDescribeTransactions('tx-commit').transactionState === 'CompleteCommit', 15_000, 'CompleteCommit');
  });

  it('fences the first producer when a second one initializes the same transactional id', async () => {
    const p1 = producer('tx-fence');
    await p1.connect();
    const t1 = await p1.transaction();
    await t1.send({ topic: TOPIC, messages: [{ value: 'from-p1' }] });
    const p2 = producer('tx-fence');
    await p2.connect();
    const t2 = await p2.transaction(); // aborts p1's open transaction, bumps the epoch
    await t2.send({ topic: TOPIC, messages: [{ value: 'from-p2' }] });
    await t2.commit();
    await expect(t1.commit()).rejects.toThrow(/fenced|epoch/i);
  });

  it('makes sendOffsets (TxnOffsetCommit) visible to OffsetFetch only after the commit', async () => {
    const group = 'txn-group';
    const p = producer('tx-offsets');
    await p.connect();
    const t = await p.transaction();
    await t.send({ topic: TOPIC, messages: [{ value: 'with-offsets' }] });
    await t.sendOffsets({ consumerGroupId: group, topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '42' }] }] });
    const before = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
    expect(before[0]!.partitions[0]!.offset).toBe('-1');
    // requireStable (OffsetFetch v7+) sees the pending transactional commit
    const c = await RawClient.connect(b.port);
    try {
      const stable = await c.request(ApiKey.OffsetFetch, 7, { groupId: group, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: true, groups: [] });
      expect(stable.topics[0].partitions[0].errorCode).toBe(88); // UNSTABLE_OFFSET_COMMIT
    } finally {
      c.close();
    }
    await t.commit();
    await waitFor(async () => (await admin.fetchOffsets({ groupId: group, topics: [TOPIC] }))[0]!.partitions[0]!.offset === '42', 15_000, 'the committed offset');
  });

  it('answers DescribeTransactions and ListTransactions', async () => {
    const p = producer('tx-describe');
    await p.connect();
    const t = await p.transaction();
    await t.send({ topic: TOPIC, messages: [{ value: 'open' }] });
    const c = await RawClient.connect(b.port);
    try {
      const d = await c.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['tx-describe', 'nope'] });
      expect(d.transactionStates[0]).toMatchObject({ errorCode: 0, transactionalId: 'tx-describe', transactionState: 'Ongoing', topics: [{ topic: TOPIC, partitions: [0] }] });
      expect(d.transactionStates[1]).toMatchObject({ errorCode: 105, transactionalId: 'nope' }); // TRANSACTIONAL_ID_NOT_FOUND
      const l = await c.request(ApiKey.ListTransactions, 1, { stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [], durationFilter: -1n });
      expect(l.errorCode).toBe(0);
      expect(l.unknownStateFilters).toEqual(['Bogus']);
      expect(l.transactionStates.map((s: { transactionalId: string }) => s.transactionalId)).toEqual(['tx-describe']);
    } finally {
      c.close();
    }
    await t.abort();
  });

  it('shows a read_committed consumer only the committed records', async () => {
    const topic = 'txn-visibility';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const p = producer('tx-visibility');
    await p.connect();
    const a = await p.transaction();
    await a.send({ topic, messages: [{ value: 'aborted' }] });
    await a.abort();
    const t = await p.transaction();
    await t.send({ topic, messages: [{ value: 'committed' }] });
    await t.commit();
    const consumer = kafka.consumer({ groupId: 'txn-visibility-reader', readUncommitted: false, maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor(() => seen.includes('committed'), 15_000, 'the committed record');
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual(['committed']);
    } finally {
      await consumer.disconnect();
    }
  });
});
