/**
 * Coordinator > Group > transactional offsets: TxnOffsetCommit pending per producer until the
 * transaction's marker (Kafka's storeOffsets with a producer id, handleTxnCompletion, and
 * loadGroupsAndOffsets rebuilding pending/committed state from transactional batches and markers).
 */
import { ErrorCode } from '../../../protocol/errors';
import { RecordBatchView } from '../../../protocol/records/record-batch';
import { buildEndTxnMarkerBatch, ControlRecordType } from '../../../protocol/records/control-record';
import { MemoryCoordinatorLog } from '../../../coordinator/group/coordinator-log';
import { GroupCoordinator } from '../../../coordinator/group/group-coordinator';
import type { TxnOffsetCommitArgs } from '../../../coordinator/group/txn-offsets';
import type { OffsetCommitEntry } from '../../../coordinator/group/offset-manager';
import { makeContext } from './context';
import { FakeClock } from './fake-clock';

const entry = (topic: string, partition: number, offset: bigint): OffsetCommitEntry => ({ topic, partition, offset, leaderEpoch: 1, metadata: 'm', commitTimestampMs: -1n, expireTimestampMs: null });
const txn = (entries: OffsetCommitEntry[], over: Partial<TxnOffsetCommitArgs> = {}): TxnOffsetCommitArgs => ({
  groupId: 'g', transactionalId: 'tx', producerId: 7n, producerEpoch: 2, generationId: -1, memberId: '', groupInstanceId: null, entries, ...over,
});
const offsetOf = (gc: GroupCoordinator, requireStable = false, partition = 0) => gc.fetchOffsets('g', requireStable, [{ topic: 't', partition }]).offsets[0]!;

function marker(log: MemoryCoordinatorLog, producerId: bigint, commit: boolean): Promise<bigint> {
  return log.append(0, buildEndTxnMarkerBatch({ type: commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch: 0, producerId, producerEpoch: 2 }));
}

async function reload(log: MemoryCoordinatorLog): Promise<GroupCoordinator> {
  const gc = new GroupCoordinator({ log, clock: new FakeClock(), config: { offsetsTopicNumPartitions: 1 } });
  void gc.startup();
  await gc.onElection(0, 1);
  return gc;
}

describe('Coordinator > Group > transactional offsets', () => {
  test('are written as one transactional batch of the producer, hidden until COMMIT, UNSTABLE for requireStable', async () => {
    const c = await makeContext();
    expect(await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 5n), entry('t', 1, 6n)]))).toEqual([0, 0]);
    const [batch] = (c.log as unknown as { parts: Map<number, { batches: Buffer[] }> }).parts.get(0)!.batches;
    const v = new RecordBatchView(batch!);
    expect([v.isTransactional, v.isControl, v.producerId, v.producerEpoch, v.recordCount]).toEqual([true, false, 7n, 2, 2]);
    expect(offsetOf(c.gc).offset).toBe(-1n);
    expect(offsetOf(c.gc, true).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    c.gc.onTransactionCompleted(7n, [0], true);
    expect(offsetOf(c.gc)).toMatchObject({ offset: 5n, errorCode: 0 });
    expect(offsetOf(c.gc, true, 1)).toMatchObject({ offset: 6n, errorCode: 0 });
  });

  test('ABORT drops them; a completion for another partition or producer changes nothing', async () => {
    const c = await makeContext();
    await c.gc.commitOffsets('g', '', null, -1, [entry('t', 0, 1n)]);
    await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 9n)]));
    c.gc.onTransactionCompleted(8n, [0], true);
    c.gc.onTransactionCompleted(7n, [3], true);
    expect(offsetOf(c.gc, true).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    c.gc.onTransactionCompleted(7n, [0], false);
    expect(offsetOf(c.gc, true)).toMatchObject({ offset: 1n, errorCode: 0 });
  });

  test('COMMIT does not replace a newer plain commit (batch offsets order them)', async () => {
    const c = await makeContext();
    await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 9n)]));
    await c.gc.commitOffsets('g', '', null, -1, [entry('t', 0, 20n)]);
    c.gc.onTransactionCompleted(7n, [0], true);
    expect(offsetOf(c.gc).offset).toBe(20n);
  });

  test('a failed append removes the pending entries and answers the mapped error', async () => {
    const c = await makeContext();
    c.log.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
    expect(await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 5n)]))).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    expect(offsetOf(c.gc, true).errorCode).toBe(0);
    expect(c.gc.group('g')!.pendingTxnOffsets.size).toBe(0);
  });

  test('validation: empty group id, members and generations (Kafka validateOffsetCommit, isTransactional)', async () => {
    const c = await makeContext();
    expect(await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 1n)], { groupId: '' }))).toEqual([ErrorCode.INVALID_GROUP_ID]);
    const { join } = await c.joinAlone();
    // no member / generation (TxnOffsetCommit v0-2) is accepted from a group with members
    expect(await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 1n)]))).toEqual([0]);
    expect(await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 1n)], { memberId: 'nobody', generationId: join.generationId }))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 1n)], { memberId: join.memberId, generationId: join.generationId + 1 }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 1n)], { memberId: join.memberId, generationId: join.generationId }))).toEqual([0]);
  });

  test('loading rebuilds committed, aborted and still pending transactional offsets from batches and markers', async () => {
    const c = await makeContext();
    await c.gc.commitOffsets('g', '', null, -1, [entry('t', 0, 1n), entry('t', 1, 1n), entry('t', 2, 1n)]);
    await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 10n)], { producerId: 1n }));
    await marker(c.log, 1n, true);
    await c.gc.commitTransactionalOffsets(txn([entry('t', 1, 20n)], { producerId: 2n }));
    await marker(c.log, 2n, false);
    await c.gc.commitTransactionalOffsets(txn([entry('t', 2, 30n)], { producerId: 3n }));
    await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 40n)], { groupId: 'only-pending', producerId: 3n }));

    const gc = await reload(c.log);
    const at = (group: string, partition: number, stable = false) => gc.fetchOffsets(group, stable, [{ topic: 't', partition }]).offsets[0]!;
    expect(at('g', 0).offset).toBe(10n);
    expect(at('g', 1).offset).toBe(1n);
    expect(at('g', 2).offset).toBe(1n);
    expect(at('g', 2, true).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    expect(at('only-pending', 0, true).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    // the rebuilt producer index lets the marker complete them
    gc.onTransactionCompleted(3n, [0], true);
    expect(at('g', 2, true)).toMatchObject({ offset: 30n, errorCode: 0 });
    expect(at('only-pending', 0, true)).toMatchObject({ offset: 40n, errorCode: 0 });
  });

  test('a loaded COMMIT does not replace a plain commit written after the transactional one', async () => {
    const c = await makeContext();
    await c.gc.commitTransactionalOffsets(txn([entry('t', 0, 9n)]));
    await c.gc.commitOffsets('g', '', null, -1, [entry('t', 0, 20n)]);
    await marker(c.log, 7n, true);
    const gc = await reload(c.log);
    expect(gc.fetchOffsets('g', false, [{ topic: 't', partition: 0 }]).offsets[0]!.offset).toBe(20n);
  });
});
