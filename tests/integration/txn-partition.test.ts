/**
 * The partition side of idempotence and transactions over the wire (raw protocol, batches built
 * with producer ids, epochs and sequences directly; no InitProducerId needed), and kafkajs
 * consumers in both isolation levels after a raw-written aborted transaction.
 */
import { Kafka, logLevel } from 'kafkajs';
import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { defaultCreatableTopic, defaultCreateTopicsRequest } from '../../protocol/generated/create-topics-request';
import { defaultFetchPartition, defaultFetchRequest, defaultFetchTopic, type FetchRequest } from '../../protocol/generated/fetch-request';
import type { FetchResponse } from '../../protocol/generated/fetch-response';
import { defaultProduceRequest, type ProduceRequest } from '../../protocol/generated/produce-request';
import type { ProduceResponse } from '../../protocol/generated/produce-response';
import { defaultWriteTxnMarkersRequest, type WriteTxnMarkersRequest } from '../../protocol/generated/write-txn-markers-request';
import type { WriteTxnMarkersResponse } from '../../protocol/generated/write-txn-markers-response';
import { defaultDescribeProducersRequest, type DescribeProducersRequest } from '../../protocol/generated/describe-producers-request';
import type { DescribeProducersResponse } from '../../protocol/generated/describe-producers-response';
import { defaultListOffsetsPartition, defaultListOffsetsRequest, type ListOffsetsRequest } from '../../protocol/generated/list-offsets-request';
import type { ListOffsetsResponse } from '../../protocol/generated/list-offsets-response';
import { buildRecordBatch } from '../../protocol/records/record-builder';
import { RawClient } from '../../bench/raw-client';
import { startTestBroker, waitFor, type TestBroker } from './helpers';

jest.setTimeout(60000);

function batch(o: { pid: bigint; epoch?: number; seq: number; count?: number; txn?: boolean; tag?: string }): Buffer {
  return buildRecordBatch({
    producerId: o.pid,
    producerEpoch: o.epoch ?? 0,
    baseSequence: o.seq,
    isTransactional: o.txn ?? false,
    records: Array.from({ length: o.count ?? 1 }, (_, i) => ({ value: `${o.tag ?? 'v'}-${o.seq + i}`, timestamp: Date.now() })),
  });
}

describe('Integration > idempotent and transactional partitions (raw protocol)', () => {
  let broker: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    broker = await startTestBroker();
    c = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    c.close();
    await broker.destroy();
  });

  const create = (name: string) =>
    c.request(ApiKey.CreateTopics, 7, { ...defaultCreateTopicsRequest(), timeoutMs: 5000, topics: [{ ...defaultCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 }] });
  const produce = async (topic: string, records: Buffer, opts: { transactionalId?: string | null; version?: number } = {}) => {
    const r = await c.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, opts.version ?? 9, {
      ...defaultProduceRequest(),
      transactionalId: opts.transactionalId ?? null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    return r.responses[0]!.partitionResponses[0]!;
  };
  const markers = (topic: string, pid: bigint, commit: boolean, o: { epoch?: number; coordinatorEpoch?: number; partitions?: number[] } = {}) =>
    c.request<WriteTxnMarkersRequest, WriteTxnMarkersResponse>(ApiKey.WriteTxnMarkers, 1, {
      ...defaultWriteTxnMarkersRequest(),
      markers: [{ producerId: pid, producerEpoch: o.epoch ?? 0, transactionResult: commit, coordinatorEpoch: o.coordinatorEpoch ?? 0, topics: [{ name: topic, partitionIndexes: o.partitions ?? [0] }] }],
    });
  const fetch = async (topic: string, offset: bigint, isolationLevel: number) => {
    const r = await c.request<FetchRequest, FetchResponse>(ApiKey.Fetch, 12, {
      ...defaultFetchRequest(),
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel,
      topics: [{ ...defaultFetchTopic(), topic, partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
    });
    return r.responses[0]!.partitions[0]!;
  };
  const lastOffsets = (records: Buffer | null): bigint[] => {
    const out: bigint[] = [];
    for (let at = 0; records && at + 61 <= records.length; at += records.readInt32BE(at + 8) + 12) out.push(records.readBigInt64BE(at) + BigInt(records.readInt32BE(at + 23)));
    return out;
  };
  const latest = async (topic: string, isolationLevel: number) => {
    const r = await c.request<ListOffsetsRequest, ListOffsetsResponse>(ApiKey.ListOffsets, 7, {
      ...defaultListOffsetsRequest(),
      replicaId: -1,
      isolationLevel,
      topics: [{ name: topic, partitions: [{ ...defaultListOffsetsPartition(), partitionIndex: 0, timestamp: -1n }] }],
    });
    return r.topics[0]!.partitions[0]!.offset;
  };

  it('a retried batch answers NONE with its original base offset; gaps and old epochs are refused', async () => {
    await create('idem');
    expect(await produce('idem', batch({ pid: 10n, seq: 0, count: 3 }))).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await produce('idem', batch({ pid: 10n, seq: 3, count: 2 }))).toMatchObject({ errorCode: 0, baseOffset: 3n });
    expect(await produce('idem', batch({ pid: 10n, seq: 0, count: 3 }))).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await produce('idem', batch({ pid: 10n, seq: 3, count: 2 }))).toMatchObject({ errorCode: 0, baseOffset: 3n });
    expect((await produce('idem', batch({ pid: 10n, seq: 9 }))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await produce('idem', batch({ pid: 10n, epoch: 1, seq: 0 }))).errorCode).toBe(0);
    expect((await produce('idem', batch({ pid: 10n, epoch: 0, seq: 5 }))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await produce('idem', batch({ pid: 10n, epoch: 0, seq: 5 }), { version: 3 })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(lastOffsets((await fetch('idem', 0n, 0)).records)).toEqual([2n, 4n, 5n]); // no second copy
  });

  it('transactional batches need a transactional id and one producer', async () => {
    await create('txn-id');
    const r = await c.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, 9, { ...defaultProduceRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: 'txn-id', partitionData: [{ index: 0, records: batch({ pid: 11n, seq: 0, txn: true }) }] }] });
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    await c.request(ApiKey.CreateTopics, 7, { ...defaultCreateTopicsRequest(), timeoutMs: 5000, topics: [{ ...defaultCreatableTopic(), name: 'txn-two', numPartitions: 2, replicationFactor: 1 }] });
    const two = await c.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, 9, {
      ...defaultProduceRequest(),
      transactionalId: 'x',
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'txn-two', partitionData: [{ index: 0, records: batch({ pid: 12n, seq: 0, txn: true }) }, { index: 1, records: batch({ pid: 13n, seq: 0, txn: true }) }] }],
    });
    expect(two.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([ErrorCode.INVALID_PRODUCER_ID_MAPPING, ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
  });

  it('a read_committed long poll waits for bytes below the LSO, not the HW', async () => {
    await create('lp');
    await produce('lp', batch({ pid: 50n, seq: 0, txn: true }), { transactionalId: 'lp' });
    const started = Date.now();
    const waiting = c.request<FetchRequest, FetchResponse>(ApiKey.Fetch, 12, {
      ...defaultFetchRequest(),
      replicaId: -1,
      maxWaitMs: 600,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 1,
      topics: [{ ...defaultFetchTopic(), topic: 'lp', partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
    });
    await new Promise((r) => setTimeout(r, 50));
    const other = await RawClient.connect(broker.port);
    await other.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, 9, { ...defaultProduceRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: 'lp', partitionData: [{ index: 0, records: batch({ pid: 51n, seq: 0 }) }] }] });
    other.close();
    const r = (await waiting).responses[0]!.partitions[0]!;
    expect(Date.now() - started).toBeGreaterThanOrEqual(550); // the HW moved, the LSO did not
    expect(r).toMatchObject({ highWatermark: 2n, lastStableOffset: 0n });
  });

  it('WriteTxnMarkers commits and aborts; read_committed stops at the LSO and names the aborted transactions', async () => {
    await create('tx');
    expect((await produce('tx', batch({ pid: 20n, seq: 0, count: 2, txn: true, tag: 'aborted' }), { transactionalId: 't1' })).baseOffset).toBe(0n);
    expect((await produce('tx', batch({ pid: 21n, seq: 0, txn: true, tag: 'committed' }), { transactionalId: 't2' })).baseOffset).toBe(2n);
    // both open: read_committed sees nothing, read_uncommitted everything; LSO reported to both
    const open = await fetch('tx', 0n, 1);
    expect(open).toMatchObject({ errorCode: 0, highWatermark: 3n, lastStableOffset: 0n, abortedTransactions: [] });
    expect(open.records?.length ?? 0).toBe(0);
    expect(await fetch('tx', 0n, 0)).toMatchObject({ lastStableOffset: 0n, abortedTransactions: null });
    expect(await latest('tx', 1)).toBe(0n);
    expect(await latest('tx', 0)).toBe(3n);

    const abort = await markers('tx', 20n, false);
    expect(abort.markers[0]).toMatchObject({ producerId: 20n, topics: [{ name: 'tx', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] });
    expect((await fetch('tx', 0n, 1)).lastStableOffset).toBe(2n); // pid 21 still open at 2
    await markers('tx', 21n, true);
    const done = await fetch('tx', 0n, 1);
    expect(done).toMatchObject({ highWatermark: 5n, lastStableOffset: 5n, abortedTransactions: [{ producerId: 20n, firstOffset: 0n }] });
    expect(lastOffsets(done.records)).toEqual([1n, 2n, 3n, 4n]);
    expect(await latest('tx', 1)).toBe(5n);
    // a stale coordinator or producer epoch is fenced; an unknown partition is named
    await produce('tx', batch({ pid: 22n, epoch: 3, seq: 0, txn: true }), { transactionalId: 't3' });
    await markers('tx', 22n, true, { epoch: 3, coordinatorEpoch: 5 });
    await produce('tx', batch({ pid: 22n, epoch: 3, seq: 1, txn: true }), { transactionalId: 't3' });
    expect((await markers('tx', 22n, true, { epoch: 3, coordinatorEpoch: 4 })).markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    expect((await markers('tx', 22n, true, { epoch: 2, coordinatorEpoch: 5 })).markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    const missing = await markers('tx', 22n, false, { epoch: 3, coordinatorEpoch: 5, partitions: [0, 7] });
    expect(missing.markers[0]!.topics[0]!.partitions).toEqual(expect.arrayContaining([expect.objectContaining({ partitionIndex: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }), expect.objectContaining({ partitionIndex: 0, errorCode: 0 })]));
  });

  it('DescribeProducers lists the partition\'s producers', async () => {
    await create('desc');
    await produce('desc', batch({ pid: 30n, seq: 0, count: 4 }));
    await produce('desc', batch({ pid: 31n, epoch: 2, seq: 0, txn: true }), { transactionalId: 'd' });
    const r = await c.request<DescribeProducersRequest, DescribeProducersResponse>(ApiKey.DescribeProducers, 0, {
      ...defaultDescribeProducersRequest(),
      topics: [{ name: 'desc', partitionIndexes: [0, 5] }, { name: 'nope', partitionIndexes: [0] }],
    });
    const [p0, p5] = r.topics[0]!.partitions;
    expect(p0!.errorCode).toBe(0);
    expect(p0!.activeProducers.sort((a, b) => Number(a.producerId - b.producerId))).toEqual([
      expect.objectContaining({ producerId: 30n, producerEpoch: 0, lastSequence: 3, coordinatorEpoch: -1, currentTxnStartOffset: -1n }),
      expect.objectContaining({ producerId: 31n, producerEpoch: 2, lastSequence: 0, currentTxnStartOffset: 4n }),
    ]);
    expect(p5!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(r.topics[1]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('kafkajs consumers: read_committed skips an aborted transaction, read_uncommitted sees it', async () => {
    await create('kj');
    await produce('kj', batch({ pid: 40n, seq: 0, count: 2, tag: 'plain' }));
    await produce('kj', batch({ pid: 41n, seq: 0, count: 3, txn: true, tag: 'aborted' }), { transactionalId: 'kj1' });
    await markers('kj', 41n, false);
    await produce('kj', batch({ pid: 42n, seq: 0, count: 2, txn: true, tag: 'committed' }), { transactionalId: 'kj2' });
    await markers('kj', 42n, true);
    await produce('kj', batch({ pid: 43n, seq: 0, txn: true, tag: 'open' }), { transactionalId: 'kj3' });
    const kafka = new Kafka({ clientId: 'txn-it', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    const consume = async (readUncommitted: boolean, expected: number): Promise<string[]> => {
      const seen: string[] = [];
      const consumer = kafka.consumer({ groupId: `kj-${readUncommitted}`, maxWaitTimeInMs: 100, readUncommitted });
      await consumer.connect();
      await consumer.subscribe({ topic: 'kj', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor(() => seen.length >= expected, 20000, `${expected} messages`);
      await new Promise((r) => setTimeout(r, 300)); // nothing more arrives
      await consumer.disconnect();
      return seen;
    };
    expect(await consume(false, 4)).toEqual(['plain-0', 'plain-1', 'committed-0', 'committed-1']);
    expect(await consume(true, 8)).toEqual(['plain-0', 'plain-1', 'aborted-0', 'aborted-1', 'aborted-2', 'committed-0', 'committed-1', 'open-0']);
  });
});
