import { ErrorCode, KafkaError } from '../../../protocol/errors';
import {
  IllegalTxnStateError,
  isEpochExhausted,
  TransactionMetadata,
  TransactionMetadataInit,
} from '../../../coordinator/txn/transaction-metadata';
import {
  isExpirationAllowed,
  isValidTransition,
  TransactionState as S,
  transactionStateFromId,
  transactionStateFromName,
  transactionStateName,
} from '../../../coordinator/txn/transaction-state';

const tp = (partition: number, topic = 't') => ({ topic, partition });

function md(over: Partial<TransactionMetadataInit> = {}): TransactionMetadata {
  return new TransactionMetadata('id', { producerId: 10n, producerEpoch: 3, txnTimeoutMs: 1000, state: S.Empty, txnLastUpdateTimestamp: 100, ...over });
}

describe('TransactionState', () => {
  it('has Kafka 3.9 ids and names', () => {
    expect([S.Empty, S.Ongoing, S.PrepareCommit, S.PrepareAbort, S.CompleteCommit, S.CompleteAbort, S.Dead, S.PrepareEpochFence]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(transactionStateName(S.PrepareEpochFence)).toBe('PrepareEpochFence');
    expect(transactionStateFromName('Ongoing')).toBe(S.Ongoing);
    expect(transactionStateFromName('ongoing')).toBeNull();
    expect(transactionStateFromName('0')).toBeNull();
    expect(transactionStateFromId(4)).toBe(S.CompleteCommit);
    expect(() => transactionStateFromId(8)).toThrow(/Unknown transaction state id 8/);
  });

  it('allows exactly the transitions of the table', () => {
    const allowed: Array<[S, S[]]> = [
      [S.Empty, [S.Empty, S.CompleteCommit, S.CompleteAbort]],
      [S.Ongoing, [S.Ongoing, S.Empty, S.CompleteCommit, S.CompleteAbort]],
      [S.PrepareCommit, [S.Ongoing]],
      [S.PrepareAbort, [S.Ongoing, S.PrepareEpochFence]],
      [S.CompleteCommit, [S.PrepareCommit]],
      [S.CompleteAbort, [S.PrepareAbort]],
      [S.Dead, [S.Empty, S.CompleteAbort, S.CompleteCommit]],
      [S.PrepareEpochFence, [S.Ongoing]],
    ];
    for (const [to, froms] of allowed) {
      for (let from = 0; from <= 7; from++) expect([from, to, isValidTransition(from, to)]).toEqual([from, to, froms.includes(from)]);
    }
  });

  it('lets only idle states expire', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].filter(isExpirationAllowed)).toEqual([S.Empty, S.CompleteCommit, S.CompleteAbort]);
  });
});

describe('TransactionMetadata', () => {
  it('marks a prepared transition pending and refuses a second one', () => {
    const m = md();
    const t = m.prepareIncrementProducerEpoch(2000, null, 200);
    expect(m.pendingState).toBe(S.Empty);
    expect(() => m.prepareAddPartitions([tp(0)], 300)).toThrow(IllegalTxnStateError);
    m.completeTransitionTo(t);
    expect(m.pendingState).toBeNull();
    expect([m.producerEpoch, m.lastProducerEpoch, m.txnTimeoutMs, m.txnLastUpdateTimestamp]).toEqual([4, -1, 2000, 200]);
  });

  it('refuses a transition the table forbids', () => {
    expect(() => md().prepareAbortOrCommit(S.PrepareCommit, 1)).toThrow(/PrepareCommit cannot follow Empty/);
    expect(md({ state: S.Ongoing }).pendingState).toBeNull();
  });

  it('KIP-360 epoch rules of prepareIncrementProducerEpoch', () => {
    // no expectation: bump, no last epoch
    expect(md().prepareIncrementProducerEpoch(1000, null, 1)).toMatchObject({ producerEpoch: 4, lastProducerEpoch: -1 });
    // expected = current: bump and remember the old epoch
    expect(md().prepareIncrementProducerEpoch(1000, 3, 1)).toMatchObject({ producerEpoch: 4, lastProducerEpoch: 3 });
    // a new metadata (epoch -1) takes any expectation: epoch 0
    expect(md({ producerEpoch: -1 }).prepareIncrementProducerEpoch(1000, 7, 1)).toMatchObject({ producerEpoch: 0, lastProducerEpoch: -1 });
    // expected = last: a retry of the bump, answered with the current epoch
    expect(md({ producerEpoch: 4, lastProducerEpoch: 3 }).prepareIncrementProducerEpoch(1000, 3, 1)).toMatchObject({ producerEpoch: 4, lastProducerEpoch: 3 });
    // anything else is fenced, without a pending state
    const m = md({ producerEpoch: 4, lastProducerEpoch: 3 });
    let err: unknown;
    try {
      m.prepareIncrementProducerEpoch(1000, 2, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.PRODUCER_FENCED);
    expect(m.pendingState).toBeNull();
  });

  it('refuses to bump an exhausted epoch and rotates the producer id instead', () => {
    expect([isEpochExhausted(32765), isEpochExhausted(32766), isEpochExhausted(32767)]).toEqual([false, true, true]);
    const m = md({ producerEpoch: 32766 });
    expect(() => m.prepareIncrementProducerEpoch(1000, null, 1)).toThrow(/no epochs left/);
    const t = m.prepareProducerIdRotation(11n, 1000, 5, true);
    expect(t).toMatchObject({ producerId: 11n, lastProducerId: 10n, producerEpoch: 0, lastProducerEpoch: 32766, txnState: S.Empty });
    m.completeTransitionTo(t);
    expect([m.producerId, m.lastProducerId, m.producerEpoch, m.lastProducerEpoch]).toEqual([11n, 10n, 0, 32766]);
    expect(md({ producerEpoch: 32766 }).prepareProducerIdRotation(11n, 1000, 5, false).lastProducerEpoch).toBe(-1);
    expect(() => md({ state: S.Ongoing }).prepareProducerIdRotation(11n, 1000, 5, false)).toThrow(/transaction is open/);
  });

  it('fences with one more epoch, reusing it after a failed fence, never past 32767', () => {
    const m = md({ state: S.Ongoing, producerEpoch: 5, lastProducerEpoch: 4 });
    expect(m.prepareFenceProducerEpoch()).toMatchObject({ producerEpoch: 6, lastProducerEpoch: -1, txnState: S.PrepareEpochFence });
    const again = md({ state: S.Ongoing, producerEpoch: 6 });
    again.hasFailedEpochFence = true;
    expect(again.prepareFenceProducerEpoch().producerEpoch).toBe(6);
    expect(() => md({ state: S.Ongoing, producerEpoch: 32767 }).prepareFenceProducerEpoch()).toThrow(/overflow/);
    expect(() => md({ state: S.Empty }).prepareFenceProducerEpoch()).toThrow(IllegalTxnStateError);
  });

  it('adds partitions: start time on the first add, kept on later ones', () => {
    const m = md();
    const t1 = m.prepareAddPartitions([tp(0)], 500);
    expect(t1).toMatchObject({ txnState: S.Ongoing, txnStartTimestamp: 500, topicPartitions: [tp(0)] });
    m.completeTransitionTo(t1);
    const t2 = m.prepareAddPartitions([tp(1), tp(0)], 900);
    expect(t2.txnStartTimestamp).toBe(500);
    expect(t2.topicPartitions).toEqual([tp(0), tp(1)]);
    m.completeTransitionTo(t2);
    expect(m.partitions.toArray()).toEqual([tp(0), tp(1)]);
    expect(m.txnLastUpdateTimestamp).toBe(900);
  });

  it('gives the next transaction after a completed one its own start time', () => {
    for (const state of [S.CompleteCommit, S.CompleteAbort]) {
      const m = md({ state, txnStartTimestamp: 50 });
      expect(m.prepareAddPartitions([tp(0)], 700).txnStartTimestamp).toBe(700);
    }
  });

  it('completes Prepare* and Complete*, clearing the partitions and the failed-fence flag', () => {
    const m = md({ state: S.Ongoing, partitions: [tp(0)], txnStartTimestamp: 50 });
    m.completeTransitionTo(m.prepareAbortOrCommit(S.PrepareCommit, 60));
    expect(m.state).toBe(S.PrepareCommit);
    expect(m.partitions.size).toBe(1);
    m.hasFailedEpochFence = true;
    const c = m.prepareComplete(70);
    expect(m.hasFailedEpochFence).toBe(false);
    expect(c).toMatchObject({ txnState: S.CompleteCommit, topicPartitions: [], txnStartTimestamp: 50 });
    m.completeTransitionTo(c);
    expect([m.state, m.partitions.size]).toEqual([S.CompleteCommit, 0]);
    const a = md({ state: S.PrepareAbort, txnStartTimestamp: 1 });
    expect(a.prepareComplete(2).txnState).toBe(S.CompleteAbort);
  });

  it('removes partitions only while markers are sent', () => {
    const m = md({ state: S.PrepareAbort, partitions: [tp(0), tp(1)] });
    m.removePartition(tp(0));
    expect(m.partitions.toArray()).toEqual([tp(1)]);
    expect(() => md({ state: S.Ongoing, partitions: [tp(0)] }).removePartition(tp(0))).toThrow(IllegalTxnStateError);
  });

  it('completeTransitionTo checks the transition against the metadata', () => {
    const base = () => md({ state: S.Ongoing, partitions: [tp(0)], txnStartTimestamp: 50 });
    // no pending state
    expect(() => base().completeTransitionTo(base().snapshot())).toThrow(/without a pending state/);
    // pending differs from the target
    let m = base();
    const t = m.prepareAbortOrCommit(S.PrepareCommit, 60);
    expect(() => m.completeTransitionTo({ ...t, txnState: S.PrepareAbort })).toThrow(IllegalTxnStateError);
    // Ongoing must keep the epoch and may not drop partitions
    m = base();
    const add = m.prepareAddPartitions([tp(1)], 60);
    expect(() => m.completeTransitionTo({ ...add, producerEpoch: 9 })).toThrow(IllegalTxnStateError);
    expect(() => m.completeTransitionTo({ ...add, topicPartitions: [tp(1)] })).toThrow(IllegalTxnStateError);
    expect(() => m.completeTransitionTo({ ...add, txnTimeoutMs: 5 })).toThrow(IllegalTxnStateError);
    // Prepare* must keep the partitions and the start time
    m = base();
    const p = m.prepareAbortOrCommit(S.PrepareAbort, 60);
    expect(() => m.completeTransitionTo({ ...p, topicPartitions: [] })).toThrow(IllegalTxnStateError);
    expect(() => m.completeTransitionTo({ ...p, txnStartTimestamp: 51 })).toThrow(IllegalTxnStateError);
    // Empty: epoch kept, +1, or 0 with a new id; no partitions; no start time
    m = md();
    const e = m.prepareIncrementProducerEpoch(1000, null, 1);
    expect(() => m.completeTransitionTo({ ...e, producerEpoch: 6 })).toThrow(IllegalTxnStateError);
    expect(() => m.completeTransitionTo({ ...e, topicPartitions: [tp(0)] })).toThrow(IllegalTxnStateError);
    expect(() => m.completeTransitionTo({ ...e, txnStartTimestamp: 5 })).toThrow(IllegalTxnStateError);
    expect(() => m.completeTransitionTo({ ...e, producerEpoch: 0 })).toThrow(IllegalTxnStateError);
    m.completeTransitionTo({ ...e, producerEpoch: 0, producerId: 77n });
    expect(m.producerId).toBe(77n);
    // Complete* needs a start time
    m = md({ state: S.PrepareCommit, txnStartTimestamp: 5 });
    const c = m.prepareComplete(6);
    expect(() => m.completeTransitionTo({ ...c, txnStartTimestamp: -1 })).toThrow(IllegalTxnStateError);
    // PrepareEpochFence and Dead are never completed
    m = base();
    const f = m.prepareFenceProducerEpoch();
    expect(() => m.completeTransitionTo(f)).toThrow(IllegalTxnStateError);
    m = md();
    const d = m.prepareDead();
    expect(() => m.completeTransitionTo(d)).toThrow(/Dead is completed by removing/);
  });

  it('may expire a metadata that never got an epoch', () => {
    const m = md({ producerEpoch: -1 });
    expect(m.prepareDead()).toMatchObject({ txnState: S.Dead, producerEpoch: -1 });
    expect(() => md({ producerEpoch: -1, state: S.Empty }).prepareAddPartitions([tp(0)], 1)).toThrow(/illegal new producer epoch -1/);
  });
});
