/**
 * Integration > Transactions > raw protocol: FindCoordinator key type 1 (batched v4+),
 * InitProducerId (idempotent, argument checks), and the per-version error mapping of the
 * transaction handlers (PRODUCER_FENCED -> INVALID_PRODUCER_EPOCH for old versions,
 * UNKNOWN_TOPIC_OR_PARTITION with OPERATION_NOT_ATTEMPTED, TxnOffsetCommit's unknown topics).
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultAddPartitionsToTxnRequest } from '../../protocol/generated/add-partitions-to-txn-request';
import { RawClient } from '../../bench/raw-client';
import { startTestBroker, waitFor, type TestBroker } from './helpers';

jest.setTimeout(30_000);

describe('Integration > Transactions > raw protocol', () => {
  let b: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    b = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 2, 'transaction.max.timeout.ms': 60_000 } });
    c = await RawClient.connect(b.port);
    await c.request(ApiKey.CreateTopics, 5, { topics: [{ name: 'known', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  });
  afterAll(async () => {
    c.close();
    await b.destroy();
  });

  async function init(transactionalId: string | null, version = 4, timeout = 10_000) {
    for (;;) {
      const r = await c.request(ApiKey.InitProducerId, version, { transactionalId, transactionTimeoutMs: timeout, producerId: -1n, producerEpoch: -1 });
      if (r.errorCode !== ErrorCode.NOT_COORDINATOR && r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS) return r;
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  test('FindCoordinator key type 1 creates __transaction_state and names this broker (v3 and batched v4)', async () => {
    const v3 = await c.request(ApiKey.FindCoordinator, 3, { key: 'tx-a', keyType: 1, coordinatorKeys: [] });
    expect(v3).toMatchObject({ errorCode: 0, nodeId: b.brokerId, port: b.port });
    expect(b.services.metadataCache.topic('__transaction_state')!.assignment.size).toBe(2);
    const v4 = await c.request(ApiKey.FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: ['tx-a', 'tx-b'] });
    expect(v4.coordinators.map((x: { key: string; errorCode: number; nodeId: number }) => [x.key, x.errorCode, x.nodeId])).toEqual([['tx-a', 0, b.brokerId], ['tx-b', 0, b.brokerId]]);
  });

  test('InitProducerId: idempotent producers get a fresh id with epoch 0; bad arguments are refused', async () => {
    const a = await init(null);
    const a2 = await init(null);
    expect(a).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(a2.producerId).toBe(a.producerId + 1n);
    const half = await c.request(ApiKey.InitProducerId, 3, { transactionalId: 'tx-half', transactionTimeoutMs: 1000, producerId: 5n, producerEpoch: -1 });
    expect(half.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await init('tx-timeout', 4, 60_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  });

  test('PRODUCER_FENCED is INVALID_PRODUCER_EPOCH below the versions that know it', async () => {
    const first = await init('tx-fenced');
    const second = await init('tx-fenced');
    expect(second.producerEpoch).toBe(first.producerEpoch + 1);
    const add = (v: number) => c.request(ApiKey.AddPartitionsToTxn, v, { v3AndBelowTransactionalId: 'tx-fenced', v3AndBelowProducerId: first.producerId, v3AndBelowProducerEpoch: first.producerEpoch, v3AndBelowTopics: [{ name: 'known', partitions: [0] }], transactions: [] });
    expect((await add(1)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await add(2)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ErrorCode.PRODUCER_FENCED);
    const end = (v: number) => c.request(ApiKey.EndTxn, v, { transactionalId: 'tx-fenced', producerId: first.producerId, producerEpoch: first.producerEpoch, committed: true });
    expect((await end(1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await end(2)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    const offs = (v: number) => c.request(ApiKey.AddOffsetsToTxn, v, { transactionalId: 'tx-fenced', producerId: first.producerId, producerEpoch: first.producerEpoch, groupId: 'g' });
    expect((await offs(1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await offs(2)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  test('AddPartitionsToTxn: unknown partitions UNKNOWN_TOPIC_OR_PARTITION, the rest OPERATION_NOT_ATTEMPTED; v4 batches and verifyOnly', async () => {
    const p = await init('tx-add');
    const r = await c.request(ApiKey.AddPartitionsToTxn, 3, { v3AndBelowTransactionalId: 'tx-add', v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{ name: 'known', partitions: [0, 7] }, { name: 'missing', partitions: [0] }], transactions: [] });
    const codes = r.resultsByTopicV3AndBelow.flatMap((t: { name: string; resultsByPartition: { partitionIndex: number; partitionErrorCode: number }[] }) => t.resultsByPartition.map((x) => [t.name, x.partitionIndex, x.partitionErrorCode]));
    expect(codes).toEqual(expect.arrayContaining([['known', 7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['missing', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['known', 0, ErrorCode.OPERATION_NOT_ATTEMPTED]]));
    const tx = (verifyOnly: boolean) => ({ transactionalId: 'tx-add', producerId: p.producerId, producerEpoch: p.producerEpoch, verifyOnly, topics: [{ name: 'known', partitions: [0] }] });
    const verify = await c.request(ApiKey.AddPartitionsToTxn, 4, { ...defaultAddPartitionsToTxnRequest(), transactions: [tx(true)] });
    expect(verify.resultsByTransaction[0].topicResults[0].resultsByPartition[0].partitionErrorCode).toBe(ErrorCode.TRANSACTION_ABORTABLE);
    const added = await c.request(ApiKey.AddPartitionsToTxn, 4, { ...defaultAddPartitionsToTxnRequest(), transactions: [tx(false)] });
    expect(added.errorCode).toBe(0);
    expect(added.resultsByTransaction[0]).toMatchObject({ transactionalId: 'tx-add', topicResults: [{ name: 'known', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] }] });
    const verified = await c.request(ApiKey.AddPartitionsToTxn, 5, { ...defaultAddPartitionsToTxnRequest(), transactions: [tx(true)] });
    expect(verified.resultsByTransaction[0].topicResults[0].resultsByPartition[0].partitionErrorCode).toBe(0);
    await waitFor(() => b.services.txnCoordinator!.handleDescribeTransactions('tx-add').transactionState === 'Ongoing', 5000, 'Ongoing');
  });

  test('TxnOffsetCommit: unknown topics and partitions answer UNKNOWN_TOPIC_OR_PARTITION; known ones are committed', async () => {
    const p = await init('tx-offsets');
    // the group's coordinator (creates __consumer_offsets), as a client finds it first
    expect((await c.request(ApiKey.FindCoordinator, 3, { key: 'tg', keyType: 0, coordinatorKeys: [] })).errorCode).toBe(0);
    await c.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: 'tx-offsets', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'tg' });
    const r = await c.request(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: 'tx-offsets', groupId: 'tg', producerId: p.producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'known', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: null }, { partitionIndex: 9, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: null }] }, { name: 'missing', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(r.topics.map((t: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }) => [t.name, t.partitions.map((x) => x.errorCode)])).toEqual([['known', [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]], ['missing', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]);
  });
});
