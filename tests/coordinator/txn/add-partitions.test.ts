import { ErrorCode } from '../../../protocol/errors';
import { coordinatorPartitionFor } from '../../../coordinator/group/coordinator-partition';
import { addPartitionsRejected, addPartitionsResultForAll } from '../../../coordinator/txn/add-partitions-result';
import { TransactionState as S } from '../../../coordinator/txn/transaction-state';
import { makeHarness, TOPIC, TXN } from './fakes';

const tp = (partition: number, topic = TOPIC) => ({ topic, partition });

describe('AddPartitionsToTxn', () => {
  it('opens the transaction: Ongoing with the partitions and the start time, written to the log', async () => {
    const h = await makeHarness();
    const r = await h.init();
    h.clock.advance(500);
    const start = h.clock.now();
    expect(await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [tp(0), tp(1)])).toBe(ErrorCode.NONE);
    expect(h.metadata()).toMatchObject({ state: S.Ongoing, txnStartTimestamp: start });
    expect(h.log.records(0).at(-1)!.value!.partitions.toArray()).toEqual([tp(0), tp(1)]);
    // a later add keeps the start time and writes the union
    h.clock.advance(500);
    expect(await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [tp(2, 'other')])).toBe(ErrorCode.NONE);
    expect(h.metadata()!.txnStartTimestamp).toBe(start);
    expect(h.log.records(0).at(-1)!.value!.partitions.toArray()).toEqual([tp(0), tp(1), tp(2, 'other')]);
  });

  it('answers partitions already in the transaction at once, without a write', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    const appends = h.log.appends;
    expect(await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [tp(1)])).toBe(ErrorCode.NONE);
    expect(h.log.appends).toBe(appends);
  });

  it('refuses bad ids, fenced epochs and concurrent work', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    const add = (id: string | null, pid = r.producerId, epoch = r.producerEpoch) => h.tc.handleAddPartitionsToTransaction(id, pid, epoch, [tp(5)]);
    expect(await add(null)).toBe(ErrorCode.INVALID_REQUEST);
    expect(await add('')).toBe(ErrorCode.INVALID_REQUEST);
    expect(await add('unknown-id')).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await add(TXN, 99n)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await add(TXN, r.producerId, 1)).toBe(ErrorCode.PRODUCER_FENCED);
    // a transition being written
    h.log.holdAppends = true;
    const pending = add(TXN);
    expect(await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [tp(6)])).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    h.log.release();
    expect(await pending).toBe(ErrorCode.NONE);
    // the transaction being completed (PrepareCommit without a pending state: the Complete append failed)
    h.sender.hold = true;
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.NONE);
    h.metadata()!.pendingState = null;
    expect(await add(TXN)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
  });

  it('maps append failures to coordinator errors and reverts the pending state', async () => {
    const h = await makeHarness();
    const r = await h.init();
    h.log.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    expect(await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [tp(0)])).toBe(ErrorCode.NOT_COORDINATOR);
    expect(h.metadata()).toMatchObject({ state: S.Empty, pendingState: null });
    expect(h.metadata()!.partitions.size).toBe(0);
    h.log.failWith = null;
    expect(await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [tp(0)])).toBe(ErrorCode.NONE);
  });
});

describe('AddPartitionsToTxn v4+ verifyOnly', () => {
  it('answers NONE for partitions in the transaction and TRANSACTION_ABORTABLE for the others', async () => {
    const h = await makeHarness();
    const r = await h.begin(TXN, [0]);
    expect(h.tc.handleVerifyPartitionsInTransaction(TXN, r.producerId, r.producerEpoch, [tp(0), tp(3)])).toEqual({
      transactionalId: TXN,
      topicResults: [{ name: TOPIC, resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: ErrorCode.NONE }, { partitionIndex: 3, partitionErrorCode: ErrorCode.TRANSACTION_ABORTABLE }] }],
    });
    // the pending state does not matter
    h.log.holdAppends = true;
    void h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [tp(9)]);
    expect(h.tc.handleVerifyPartitionsInTransaction(TXN, r.producerId, r.producerEpoch, [tp(0)]).topicResults[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.NONE);
    h.log.release();
  });

  it('answers one error for every partition otherwise', async () => {
    const h = await makeHarness();
    const r = await h.begin(TXN, [0]);
    const codeOf = (id: string | null, pid: bigint, epoch: number) => h.tc.handleVerifyPartitionsInTransaction(id, pid, epoch, [tp(0), tp(1)]).topicResults[0]!.resultsByPartition.map((p) => p.partitionErrorCode);
    expect(codeOf('', r.producerId, 0)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    expect(codeOf('nobody', r.producerId, 0)).toEqual([ErrorCode.INVALID_PRODUCER_ID_MAPPING, ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
    expect(codeOf(TXN, 5n, 0)).toEqual([ErrorCode.INVALID_PRODUCER_ID_MAPPING, ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
    expect(codeOf(TXN, r.producerId, 4)).toEqual([ErrorCode.PRODUCER_FENCED, ErrorCode.PRODUCER_FENCED]);
    h.sender.hold = true;
    await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'ABORT');
    expect(codeOf(TXN, r.producerId, 0)).toEqual([ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.CONCURRENT_TRANSACTIONS]);
  });
});

describe('the per-partition result shape', () => {
  it('groups by topic; refused partitions keep their error, the others OPERATION_NOT_ATTEMPTED', () => {
    expect(addPartitionsResultForAll('t', [tp(0), tp(0, 'b'), tp(1)], ErrorCode.PRODUCER_FENCED).topicResults.map((t) => [t.name, t.resultsByPartition.map((p) => [p.partitionIndex, p.partitionErrorCode])])).toEqual([
      [TOPIC, [[0, ErrorCode.PRODUCER_FENCED], [1, ErrorCode.PRODUCER_FENCED]]],
      ['b', [[0, ErrorCode.PRODUCER_FENCED]]],
    ]);
    const r = addPartitionsRejected('t', [[tp(0, 'gone'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]], [tp(0)]);
    expect(r.topicResults.map((t) => [t.name, t.resultsByPartition[0]!.partitionErrorCode])).toEqual([
      ['gone', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [TOPIC, ErrorCode.OPERATION_NOT_ATTEMPTED],
    ]);
  });
});

describe('AddOffsetsToTxn', () => {
  it("adds the group's __consumer_offsets partition, computed as the group coordinator does", async () => {
    const h = await makeHarness({ offsetsTopicNumPartitions: 50 });
    const r = await h.init();
    expect(await h.tc.handleAddOffsetsToTransaction(TXN, r.producerId, r.producerEpoch, 'my-group')).toBe(ErrorCode.NONE);
    expect(h.metadata()!.partitions.toArray()).toEqual([{ topic: '__consumer_offsets', partition: coordinatorPartitionFor('my-group', 50) }]);
    expect(coordinatorPartitionFor('my-group', 50)).not.toBe(0);
  });

  it('uses the partition function it is given, and the same errors as AddPartitionsToTxn', async () => {
    const h = await makeHarness({}, { groupPartitionFor: () => 7 });
    const r = await h.init();
    expect(await h.tc.handleAddOffsetsToTransaction(TXN, r.producerId, r.producerEpoch + 1, 'g')).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await h.tc.handleAddOffsetsToTransaction(TXN, r.producerId, r.producerEpoch, 'g')).toBe(ErrorCode.NONE);
    expect(h.metadata()!.partitions.toArray()).toEqual([{ topic: '__consumer_offsets', partition: 7 }]);
  });
});
