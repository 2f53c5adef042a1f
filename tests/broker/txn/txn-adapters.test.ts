/**
 * Broker > txn: the __transaction_state TxnStateLog over the replica manager, and the marker
 * sender (grouping by leader, in process vs inter-broker, retriable errors), with in-memory
 * fakes of Gregor's own interfaces.
 */
import { ErrorCode, KafkaError } from '../../../protocol/errors';
import { ApiKey } from '../../../protocol/generated/api-keys';
import type { WriteTxnMarkersRequest } from '../../../protocol/generated/write-txn-markers-request';
import type { WriteTxnMarkersResponse } from '../../../protocol/generated/write-txn-markers-response';
import type { AppendEntry, AppendResult, ReplicaManager } from '../../../broker/replica/replica-manager';
import { ReplicaTxnStateLog } from '../../../broker/txn/txn-state-log-adapter';
import { BrokerTxnMarkerSender, WRITE_TXN_MARKERS_VERSION, type MarkerConnection } from '../../../broker/txn/txn-marker-sender';
import type { PartitionInfo } from '../../../broker/metadata/metadata-cache';

function okResult(baseOffset = 0n): AppendResult {
  return { errorCode: ErrorCode.NONE, errorMessage: null, recordErrors: [], baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, lastOffset: baseOffset };
}

describe('Broker > txn > ReplicaTxnStateLog', () => {
  test('appends to __transaction_state as leader with acks=-1, the given timeout and the topic min ISR', async () => {
    const calls: { entries: readonly AppendEntry[]; acks: number; timeoutMs: number; minIsr: number }[] = [];
    const rm = {
      appendRecords: async (entries: readonly AppendEntry[], acks: number, timeoutMs: number, minIsr: (t: string) => number) => {
        calls.push({ entries, acks, timeoutMs, minIsr: minIsr(entries[0]!.topic) });
        return [okResult()];
      },
      leaderPartition: () => { throw new Error('unused'); },
    } as unknown as Pick<ReplicaManager, 'appendRecords' | 'leaderPartition'>;
    const log = new ReplicaTxnStateLog(rm, () => 2);
    const batch = Buffer.from('batch');
    await log.append(4, batch, 60_000);
    expect(calls).toEqual([{ entries: [{ topic: '__transaction_state', partition: 4, records: batch }], acks: -1, timeoutMs: 60_000, minIsr: 2 }]);
  });

  test('a partition error rejects with that code (the coordinator maps it)', async () => {
    const rm = {
      appendRecords: async () => [{ ...okResult(), errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, errorMessage: 'isr 1 < 2' }],
      leaderPartition: () => { throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER); },
    } as unknown as Pick<ReplicaManager, 'appendRecords' | 'leaderPartition'>;
    const log = new ReplicaTxnStateLog(rm);
    await expect(log.append(0, Buffer.alloc(1), 1000)).rejects.toMatchObject({ code: ErrorCode.NOT_ENOUGH_REPLICAS });
    await expect(log.endOffset(0)).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
  });

  test('reads to the log end, not past it', async () => {
    const reads: unknown[] = [];
    const part = { logEndOffset: 10n, logStartOffset: 3n, log: { read: async (o: bigint, max: number, opts: unknown) => (reads.push([o, max, opts]), { records: Buffer.from('x') }) } };
    const rm = { appendRecords: async () => [], leaderPartition: () => part } as unknown as Pick<ReplicaManager, 'appendRecords' | 'leaderPartition'>;
    const log = new ReplicaTxnStateLog(rm);
    expect(await log.startOffset(0)).toBe(3n);
    expect(await log.endOffset(0)).toBe(10n);
    expect((await log.read(0, 10n, 100)).length).toBe(0);
    expect((await log.read(0, 4n, 100)).toString()).toBe('x');
    expect(reads).toEqual([[4n, 100, { maxOffset: 10n, minOneBatch: true }]]);
  });
});

describe('Broker > txn > BrokerTxnMarkerSender', () => {
  const leaders: Record<string, number> = { 'a/0': 1, 'a/1': 2, 'b/0': 1, 'c/0': -1 };
  const cache = {
    partitionInfo: (t: unknown, p: number): PartitionInfo | undefined => {
      const l = leaders[`${String(t)}/${p}`];
      return l === undefined ? undefined : { partition: p, leader: l, leaderEpoch: 0, replicas: [], isr: [], offline: [] };
    },
    endpointOf: (id: number) => (id === 2 || id === 3 ? { host: 'h', port: 9000 + id } : undefined),
  };
  const answer = (req: WriteTxnMarkersRequest, code = ErrorCode.NONE): WriteTxnMarkersResponse => ({
    markers: req.markers.map((m) => ({ producerId: m.producerId, topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode: code })) })) })),
  });
  const marker = (partitions: { topic: string; partition: number }[]) => ({ producerId: 5n, producerEpoch: 3, coordinatorEpoch: 9, result: 'COMMIT' as const, partitions });

  test('groups partitions by leader: this broker in process, others over the inter-broker connection', async () => {
    const local: [number, number, WriteTxnMarkersRequest][] = [];
    const remote: [number, string, number, WriteTxnMarkersRequest][] = [];
    const s = new BrokerTxnMarkerSender({
      brokerId: 1,
      cache,
      interBrokerListenerName: 'PLAINTEXT',
      local: async (k, v, b) => (local.push([k, v, b as WriteTxnMarkersRequest]), answer(b as WriteTxnMarkersRequest)),
      connect: (id, host, port): MarkerConnection => ({ request: async (_k, _v, b) => (remote.push([id, host, port, b as WriteTxnMarkersRequest]), answer(b as WriteTxnMarkersRequest, ErrorCode.NOT_ENOUGH_REPLICAS)), close() {} }),
    });
    const r = await s.send(marker([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }, { topic: 'c', partition: 0 }]));
    expect(local.map(([k, v]) => [k, v])).toEqual([[ApiKey.WriteTxnMarkers, WRITE_TXN_MARKERS_VERSION]]);
    expect(local[0]![2].markers).toEqual([{ producerId: 5n, producerEpoch: 3, transactionResult: true, coordinatorEpoch: 9, topics: [{ name: 'a', partitionIndexes: [0] }, { name: 'b', partitionIndexes: [0] }] }]);
    expect(remote.map(([id, host, port, b]) => [id, host, port, b.markers[0]!.topics])).toEqual([[2, 'h', 9002, [{ name: 'a', partitionIndexes: [1] }]]]);
    expect(r).toEqual(expect.arrayContaining([
      { topic: 'a', partition: 0, errorCode: ErrorCode.NONE },
      { topic: 'b', partition: 0, errorCode: ErrorCode.NONE },
      { topic: 'a', partition: 1, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS },
      { topic: 'c', partition: 0, errorCode: ErrorCode.LEADER_NOT_AVAILABLE },
    ]));
    expect(r).toHaveLength(4);
    expect(s.partitionExists('a', 1)).toBe(true);
    expect(s.partitionExists('gone', 0)).toBe(false);
  });

  test('a failed request is NETWORK_EXCEPTION, a leader without inter-broker endpoint LEADER_NOT_AVAILABLE; one connection per broker, closed on close()', async () => {
    let opened = 0;
    let closed = 0;
    const s = new BrokerTxnMarkerSender({
      brokerId: 9,
      cache,
      interBrokerListenerName: 'PLAINTEXT',
      local: async () => { throw new Error('unused'); },
      connect: (): MarkerConnection => (opened++, { request: async () => { throw new Error('connection refused'); }, close: () => void closed++ }),
    });
    expect(await s.send(marker([{ topic: 'a', partition: 1 }]))).toEqual([{ topic: 'a', partition: 1, errorCode: ErrorCode.NETWORK_EXCEPTION }]);
    expect(await s.send(marker([{ topic: 'a', partition: 1 }]))).toEqual([{ topic: 'a', partition: 1, errorCode: ErrorCode.NETWORK_EXCEPTION }]);
    expect(await s.send(marker([{ topic: 'a', partition: 0 }]))).toEqual([{ topic: 'a', partition: 0, errorCode: ErrorCode.LEADER_NOT_AVAILABLE }]);
    expect(opened).toBe(1);
    s.close();
    expect(closed).toBe(1);
  });
});
