import { ErrorCode } from '../../../protocol/errors';
import { TransactionCoordinator } from '../../../coordinator/txn/transaction-coordinator';
import { encodeTransactionLogKey } from '../../../coordinator/txn/transaction-log';
import { TransactionState as S } from '../../../coordinator/txn/transaction-state';
import { appendTxnRecords } from '../../../coordinator/txn/txn-state-log';
import { makeHarness, RecordingMarkerSender, TOPIC, TXN } from './fakes';

const transit = (over: Record<string, unknown> = {}) => ({
  producerId: 500n,
  lastProducerId: 500n,
  producerEpoch: 3,
  lastProducerEpoch: -1,
  txnTimeoutMs: 60000,
  txnState: S.Ongoing,
  topicPartitions: [{ topic: TOPIC, partition: 0 }],
  txnStartTimestamp: 10,
  txnLastUpdateTimestamp: 20,
  ...over,
});

/** A second coordinator over the same log and sender (another broker, or this one after a restart). */
function another(h: Awaited<ReturnType<typeof makeHarness>>): TransactionCoordinator {
  const tc = h.make();
  tc.startup();
  return tc;
}

describe('__transaction_state ownership and loading', () => {
  it('answers NOT_COORDINATOR for every request before an election', async () => {
    const h = await makeHarness();
    const tc = another(h);
    expect((await tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await tc.handleAddPartitionsToTransaction(TXN, 1n, 0, [])).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await tc.handleEndTransaction(TXN, 1n, 0, 'COMMIT')).toBe(ErrorCode.NOT_COORDINATOR);
    expect(tc.handleDescribeTransactions(TXN).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while the partition loads', async () => {
    const h = await makeHarness();
    await h.begin();
    const tc = another(h);
    h.log.holdReads = true;
    const loaded = tc.onElection(0, 2);
    await h.settle();
    expect((await tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(await tc.handleAddPartitionsToTransaction(TXN, 1000n, 0, [])).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(await tc.handleEndTransaction(TXN, 1000n, 0, 'COMMIT')).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(tc.handleVerifyPartitionsInTransaction(TXN, 1000n, 0, [{ topic: TOPIC, partition: 0 }]).topicResults[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(tc.handleDescribeTransactions(TXN).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(tc.handleListTransactions({ stateFilters: [], producerIdFilters: [] }).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    let awaited = false;
    const wait = tc.states.awaitLoaded(TXN).then(() => (awaited = true));
    await h.settle();
    expect(awaited).toBe(false);
    h.log.releaseReads();
    await loaded;
    await wait;
    expect(tc.handleDescribeTransactions(TXN)).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: 'Ongoing', producerId: 1000n });
  });

  it('rebuilds the metadata from the log: the last record per id wins, a tombstone removes it', async () => {
    const h = await makeHarness();
    await h.log.seed(0, 'a', transit());
    await h.log.seed(0, 'a', transit({ txnState: S.PrepareAbort, producerEpoch: 4 }));
    await h.log.seed(0, 'a', transit({ txnState: S.CompleteAbort, producerEpoch: 4, topicPartitions: [] }));
    await h.log.seed(0, 'b', transit({ producerId: 600n }));
    await h.log.seed(0, 'b', null);
    const tc = another(h);
    await tc.onElection(0, 2);
    expect(tc.handleDescribeTransactions('a')).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: 'CompleteAbort', producerId: 500n, producerEpoch: 4, transactionStartTimeMs: 10n, topics: [] });
    expect(tc.handleDescribeTransactions('b').errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect(h.sender.sent).toEqual([]); // nothing to complete
  });

  it('ignores records with an unknown key version', async () => {
    const h = await makeHarness();
    const key = encodeTransactionLogKey('a');
    key.writeInt16BE(5, 0);
    await appendTxnRecords(h.log, 0, [{ key, value: Buffer.from('junk') }], 0, 1000);
    await h.log.seed(0, 'b', transit());
    const tc = another(h);
    await tc.onElection(0, 2);
    expect(tc.handleDescribeTransactions('b').errorCode).toBe(ErrorCode.NONE);
    expect(h.logger.lines.some((l) => l.startsWith('WARN') && l.includes('unknown key version'))).toBe(true);
  });

  it('completes a PrepareCommit found at load: COMMIT markers under the new coordinator epoch, then CompleteCommit', async () => {
    const h = await makeHarness();
    await h.log.seed(0, TXN, transit({ txnState: S.PrepareCommit, topicPartitions: [{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 4 }] }));
    const tc = another(h);
    await tc.onElection(0, 7);
    await h.settle();
    expect(h.sender.sent).toEqual([{ producerId: 500n, producerEpoch: 3, coordinatorEpoch: 7, result: 'COMMIT', partitions: [{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 4 }] }]);
    expect(h.states()).toEqual([S.PrepareCommit, S.CompleteCommit]);
    expect(tc.handleDescribeTransactions(TXN)).toMatchObject({ transactionState: 'CompleteCommit', topics: [] });
  });

  it('completes a PrepareAbort found at load with ABORT markers', async () => {
    const h = await makeHarness();
    await h.log.seed(0, TXN, transit({ txnState: S.PrepareAbort }));
    const tc = another(h);
    await tc.onElection(0, 2);
    await h.settle();
    expect(h.sender.sent.map((m) => [m.result, m.coordinatorEpoch])).toEqual([['ABORT', 2]]);
    expect(h.states().at(-1)).toBe(S.CompleteAbort);
  });

  it('loses the KIP-360 last epoch across a coordinator change, as Kafka (it is not in the record)', async () => {
    const h = await makeHarness();
    await h.init();
    await h.tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 1000n, producerEpoch: 0 }); // epoch 1, last 0
    const tc = another(h);
    await tc.onElection(0, 2);
    expect((await tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 1000n, producerEpoch: 0 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('retries a failed load after the backoff, answering COORDINATOR_LOAD_IN_PROGRESS meanwhile', async () => {
    const h = await makeHarness({ txnLoadRetryBackoffMs: 1000 });
    await h.log.seed(0, 'a', transit());
    const tc = h.make();
    tc.startup();
    h.log.failReads = new Error('disk hiccup');
    let done = false;
    void tc.onElection(0, 2).then(() => (done = true));
    await h.settle();
    expect(done).toBe(false);
    expect(tc.handleDescribeTransactions('a').errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(h.logger.lines.some((l) => l.startsWith('ERROR') && l.includes('disk hiccup'))).toBe(true);
    await h.tick(999);
    expect(done).toBe(false);
    await h.tick(1);
    expect(done).toBe(true);
    expect(tc.handleDescribeTransactions('a').errorCode).toBe(ErrorCode.NONE);
  });

  it('stops loading when resigned meanwhile, and then answers NOT_COORDINATOR', async () => {
    const h = await makeHarness();
    await h.log.seed(0, TXN, transit({ txnState: S.PrepareCommit }));
    const tc = another(h);
    h.log.holdReads = true;
    const loaded = tc.onElection(0, 2);
    await h.settle();
    tc.onResignation(0, 2);
    h.log.releaseReads();
    await loaded;
    await h.settle();
    expect(tc.handleDescribeTransactions(TXN).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(h.sender.sent).toEqual([]);
  });

  it('ignores an election older than the epoch held, does not reload the same epoch, and ignores an older resignation', async () => {
    const h = await makeHarness({}, {}, 5);
    await h.begin();
    const reads = jest.spyOn(h.log, 'read');
    await h.tc.onElection(0, 4);
    await h.tc.onElection(0, 5);
    expect(reads).not.toHaveBeenCalled();
    expect(h.tc.states.coordinatorEpochOf(0)).toBe(5);
    h.tc.onResignation(0, 4);
    expect(h.tc.handleDescribeTransactions(TXN).errorCode).toBe(ErrorCode.NONE);
    h.tc.onResignation(0, 5);
    expect(h.tc.handleDescribeTransactions(TXN).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  describe('coordinator epoch fencing after a re-election', () => {
    it('drops the completion of the old epoch and completes once under the new one', async () => {
      const h = await makeHarness();
      const r = await h.begin();
      h.sender.hold = true;
      await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT');
      expect(h.sender.heldRequests).toBe(1);
      // re-elected at a newer epoch (e.g. leadership went away and came back): reload
      await h.tc.onElection(0, 2);
      await h.settle();
      expect(h.sender.sent.map((m) => m.coordinatorEpoch)).toEqual([1, 2]);
      h.sender.release();
      await h.settle();
      expect(h.states().filter((s) => s === S.CompleteCommit)).toHaveLength(1);
      expect(h.tc.handleDescribeTransactions(TXN).transactionState).toBe('CompleteCommit');
    });

    it('stops the retries of the old epoch as soon as the partition reloads', async () => {
      const h = await makeHarness({ txnMarkerRetryBackoffMs: 100 });
      const r = await h.begin();
      h.sender.responders.push(RecordingMarkerSender.failing(ErrorCode.NOT_LEADER_OR_FOLLOWER));
      await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT');
      await h.settle(); // a retry of epoch 1 is scheduled
      h.log.holdReads = true;
      const reload = h.tc.onElection(0, 2);
      await h.tick(500);
      expect(h.sender.sent.map((m) => m.coordinatorEpoch)).toEqual([1]);
      h.log.releaseReads();
      await reload;
      await h.settle();
      expect(h.sender.sent.map((m) => m.coordinatorEpoch)).toEqual([1, 2]);
    });

    it('a stale coordinator whose markers are fenced by the leaders stops, the new one completes', async () => {
      const h = await makeHarness();
      const r = await h.begin();
      h.sender.hold = true;
      // the current coordinator epoch as the partition leaders know it
      let leaderEpoch = 1;
      h.sender.responders.push((m) => m.partitions.map((tp) => ({ ...tp, errorCode: m.coordinatorEpoch < leaderEpoch ? ErrorCode.TRANSACTION_COORDINATOR_FENCED : ErrorCode.NONE })));
      await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT');
      // another broker becomes coordinator at epoch 2; the old one has not heard yet
      leaderEpoch = 2;
      const fresh = another(h);
      h.sender.responders.push((m) => m.partitions.map((tp) => ({ ...tp, errorCode: m.coordinatorEpoch < leaderEpoch ? ErrorCode.TRANSACTION_COORDINATOR_FENCED : ErrorCode.NONE })));
      await fresh.onElection(0, 2);
      h.sender.release();
      await h.settle();
      expect(h.sender.sent.map((m) => m.coordinatorEpoch)).toEqual([1, 2]);
      expect(h.states().filter((s) => s === S.CompleteCommit)).toHaveLength(1);
      expect(h.tc.markers.numTxnsWithPendingMarkers).toBe(0);
      expect(h.metadata()).toMatchObject({ state: S.PrepareCommit }); // the stale cache never completes
      expect(fresh.handleDescribeTransactions(TXN).transactionState).toBe('CompleteCommit');
    });
  });
});
