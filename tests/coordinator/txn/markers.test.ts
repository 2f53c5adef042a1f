import { ErrorCode } from '../../../protocol/errors';
import { markerOutcome } from '../../../coordinator/txn/txn-marker-channel';
import { TransactionState as S } from '../../../coordinator/txn/transaction-state';
import { makeHarness, RecordingMarkerSender, TOPIC, TXN } from './fakes';

const BACKOFF = 100;

async function committing(partitions = [0, 1]) {
  const h = await makeHarness({ txnMarkerRetryBackoffMs: BACKOFF });
  const r = await h.begin(TXN, partitions);
  return { h, r, commit: () => h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT') };
}

describe('transaction markers', () => {
  it('resends only the partitions that failed with a retriable error, after the backoff', async () => {
    const { h, commit } = await committing();
    h.sender.responders.push((m) => m.partitions.map((tp) => ({ ...tp, errorCode: tp.partition === 1 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.NONE })));
    await commit();
    await h.settle();
    expect(h.sender.sent).toHaveLength(1);
    expect(h.metadata()!.partitions.toArray()).toEqual([{ topic: TOPIC, partition: 1 }]);
    await h.tick(BACKOFF - 1);
    expect(h.sender.sent).toHaveLength(1);
    await h.tick(1);
    expect(h.sender.sent[1]!.partitions).toEqual([{ topic: TOPIC, partition: 1 }]);
    expect(h.states().at(-1)).toBe(S.CompleteCommit);
  });

  it('retries every retriable code Kafka retries, and the sender own connection errors', async () => {
    for (const code of [
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      ErrorCode.NOT_ENOUGH_REPLICAS,
      ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
      ErrorCode.REQUEST_TIMED_OUT,
      ErrorCode.KAFKA_STORAGE_ERROR,
      ErrorCode.LEADER_NOT_AVAILABLE,
      ErrorCode.BROKER_NOT_AVAILABLE,
      ErrorCode.NETWORK_EXCEPTION,
    ]) expect([code, markerOutcome(code)]).toEqual([code, 'retry']);
    for (const code of [ErrorCode.NONE, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.UNSUPPORTED_VERSION]) expect([code, markerOutcome(code)]).toEqual([code, 'done']);
    for (const code of [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED, ErrorCode.CORRUPT_MESSAGE, ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.INVALID_REQUIRED_ACKS, ErrorCode.UNKNOWN_SERVER_ERROR]) {
      expect([code, markerOutcome(code)]).toEqual([code, 'stop']);
    }
  });

  it('resends everything when the request fails as a whole, and a partition missing from the answer', async () => {
    const { h, commit } = await committing();
    h.sender.responders.push(() => Promise.reject(new Error('connection lost')));
    h.sender.responders.push((m) => [{ ...m.partitions[0]!, errorCode: ErrorCode.NONE }]);
    await commit();
    await h.settle();
    await h.tick(BACKOFF);
    expect(h.sender.sent.map((m) => m.partitions.length)).toEqual([2, 2]);
    await h.tick(BACKOFF);
    expect(h.sender.sent[2]!.partitions).toEqual([{ topic: TOPIC, partition: 1 }]);
    expect(h.states().at(-1)).toBe(S.CompleteCommit);
  });

  it('skips partitions whose topic was deleted, before sending and after UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const h = await makeHarness({ txnMarkerRetryBackoffMs: BACKOFF });
    const r = await h.init();
    await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [{ topic: 'gone', partition: 0 }, { topic: TOPIC, partition: 0 }, { topic: 'later', partition: 0 }]);
    h.sender.deletedTopics.add('gone');
    h.sender.responders.push(RecordingMarkerSender.failing(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'later'));
    await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'ABORT');
    await h.settle();
    expect(h.sender.sent[0]!.partitions).toEqual([{ topic: TOPIC, partition: 0 }, { topic: 'later', partition: 0 }]);
    h.sender.deletedTopics.add('later'); // the topic is deleted meanwhile
    await h.tick(BACKOFF);
    expect(h.sender.sent).toHaveLength(1);
    expect(h.states().at(-1)).toBe(S.CompleteAbort);
  });

  it('completes at once when every partition is gone', async () => {
    const { h, commit } = await committing();
    h.sender.deletedTopics.add(TOPIC);
    await commit();
    await h.settle();
    expect(h.sender.sent).toEqual([]);
    expect(h.states().at(-1)).toBe(S.CompleteCommit);
  });

  it('stops on a newer producer epoch or coordinator epoch at a leader, leaving the transaction in Prepare*', async () => {
    for (const code of [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED]) {
      const { h, commit } = await committing();
      h.sender.responders.push(RecordingMarkerSender.failing(code));
      await commit();
      await h.tick(BACKOFF * 5);
      expect(h.sender.sent).toHaveLength(1);
      expect(h.states().at(-1)).toBe(S.PrepareCommit);
      expect(h.tc.markers.numTxnsWithPendingMarkers).toBe(0);
    }
  });

  it('stops and logs an error on an unexpected code', async () => {
    const { h, commit } = await committing();
    h.sender.responders.push(RecordingMarkerSender.failing(ErrorCode.CORRUPT_MESSAGE));
    await commit();
    await h.tick(BACKOFF * 5);
    expect(h.sender.sent).toHaveLength(1);
    expect(h.logger.lines.some((l) => l.startsWith('ERROR') && l.includes('CORRUPT_MESSAGE'))).toBe(true);
  });

  it('counts UNSUPPORTED_FOR_MESSAGE_FORMAT / UNSUPPORTED_VERSION partitions as done', async () => {
    const { h, commit } = await committing();
    h.sender.responders.push((m) => m.partitions.map((tp) => ({ ...tp, errorCode: tp.partition === 0 ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT })));
    await commit();
    await h.settle();
    expect(h.sender.sent).toHaveLength(1);
    expect(h.states().at(-1)).toBe(S.CompleteCommit);
  });

  it('retries the Complete* append when the log is unavailable, keeping the transition pending', async () => {
    const { h, commit } = await committing();
    h.sender.hold = true;
    await commit();
    h.log.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
    h.sender.release();
    await h.settle();
    expect(h.metadata()).toMatchObject({ state: S.PrepareCommit, pendingState: S.CompleteCommit });
    h.log.failWith = null;
    await h.tick(BACKOFF);
    expect(h.metadata()).toMatchObject({ state: S.CompleteCommit, pendingState: null });
  });

  it('gives up the Complete* append on NOT_COORDINATOR, clearing the pending state', async () => {
    const { h, commit } = await committing();
    h.sender.hold = true;
    await commit();
    h.log.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    h.sender.release();
    await h.tick(BACKOFF * 3);
    expect(h.metadata()).toMatchObject({ state: S.PrepareCommit, pendingState: null });
    expect(h.log.appendTimeouts).toHaveLength(4); // Empty, Ongoing, PrepareCommit, one CompleteCommit attempt
  });

  it('drops the completion on resignation: late answers and retries are ignored', async () => {
    const { h, commit } = await committing();
    h.sender.hold = true;
    await commit();
    h.tc.onResignation(0);
    h.sender.release();
    await h.tick(BACKOFF * 3);
    expect(h.log.appends).toBe(3);
    expect(h.tc.markers.numTxnsWithPendingMarkers).toBe(0);
    expect(h.clock.pendingTimers).toBe(2); // only the abort and expiry schedules
  });

  it('drops a pending retry on resignation', async () => {
    const { h, commit } = await committing();
    h.sender.responders.push(RecordingMarkerSender.failing(ErrorCode.NOT_LEADER_OR_FOLLOWER));
    await commit();
    await h.settle();
    h.tc.onResignation(0);
    await h.tick(BACKOFF * 3);
    expect(h.sender.sent).toHaveLength(1);
  });
});

describe('TxnMarkerChannel on its own', () => {
  const completeOf = (md: NonNullable<ReturnType<Awaited<ReturnType<typeof makeHarness>>['metadata']>>) => ({ ...md.snapshot(), txnState: S.CompleteCommit, topicPartitions: [] });

  it('replaces the completion of an id: the answers of the replaced one are ignored', async () => {
    const h = await makeHarness({ txnMarkerRetryBackoffMs: BACKOFF });
    const r = await h.begin();
    // the first completion's request fails and is to be retried; the second one never answers
    h.sender.responders.push(RecordingMarkerSender.failing(ErrorCode.NOT_LEADER_OR_FOLLOWER));
    h.sender.responders.push(() => new Promise(() => {}));
    await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT');
    await h.settle();
    expect(h.clock.pendingTimers).toBe(3); // abort, expiry, the first completion's retry
    const md = h.metadata()!;
    h.tc.markers.addTxnMarkersToSend(1, 'COMMIT', md, completeOf(md));
    expect(h.clock.pendingTimers).toBe(2);
    await h.tick(BACKOFF * 3);
    expect(h.sender.sent).toHaveLength(2); // no retry of the replaced one
    expect(md.partitions.size).toBe(2);
  });

  it('ignores an answer that arrives after the replacement, even a successful one', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.sender.responders.push((m) => m.partitions.map((tp) => ({ ...tp, errorCode: ErrorCode.NONE })));
    h.sender.responders.push(() => new Promise(() => {}));
    h.sender.hold = true;
    await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT');
    const md = h.metadata()!;
    h.tc.markers.addTxnMarkersToSend(1, 'COMMIT', md, completeOf(md));
    h.sender.release();
    await h.settle();
    expect(md.partitions.size).toBe(2);
    expect(h.states().at(-1)).toBe(S.PrepareCommit);
  });

  it('drops a completion whose coordinator epoch is gone, without touching the newer metadata', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.sender.hold = true;
    await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT'); // markers of epoch 1 in flight
    // the manager reloads at epoch 2 behind the channel's back (no removeMarkersForTxnTopicPartition)
    h.tc.states.onResignation(0);
    await h.tc.states.onElection(0, 2, () => {});
    const reloaded = h.metadata()!;
    expect(reloaded.partitions.size).toBe(2);
    h.sender.release();
    await h.settle();
    expect(reloaded.partitions.size).toBe(2);
    expect(h.tc.markers.numTxnsWithPendingMarkers).toBe(0);
  });

  it('drops a Complete* retry on resignation, leaving no timer', async () => {
    const { h, commit } = await committing();
    h.sender.hold = true;
    await commit();
    h.log.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
    h.sender.release();
    await h.settle();
    expect(h.clock.pendingTimers).toBe(3); // abort, expiry, the Complete* retry
    h.tc.onResignation(0);
    expect(h.clock.pendingTimers).toBe(2);
  });
});
