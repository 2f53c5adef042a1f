import { ErrorCode } from '../../../protocol/errors';
import { endTransaction } from '../../../coordinator/txn/end-transaction';
import { TransactionState as S } from '../../../coordinator/txn/transaction-state';
import { makeHarness, TOPIC, TXN } from './fakes';

describe('EndTxn', () => {
  it('commits: PrepareCommit durable -> NONE -> COMMIT markers -> CompleteCommit', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.sender.hold = true;
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.NONE);
    expect(h.states()).toEqual([S.Empty, S.Ongoing, S.PrepareCommit]);
    expect(h.metadata()).toMatchObject({ state: S.PrepareCommit, pendingState: S.CompleteCommit });
    expect(h.sender.sent).toEqual([{ producerId: r.producerId, producerEpoch: 0, coordinatorEpoch: 1, result: 'COMMIT', partitions: [{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 1 }] }]);
    h.sender.release();
    await h.settle();
    expect(h.states()).toEqual([S.Empty, S.Ongoing, S.PrepareCommit, S.CompleteCommit]);
    expect(h.metadata()).toMatchObject({ state: S.CompleteCommit, pendingState: null });
    expect(h.metadata()!.partitions.size).toBe(0);
    expect(h.log.records(0).at(-1)!.value!.txnStartTimestamp).toBe(h.log.records(0)[1]!.value!.txnStartTimestamp);
  });

  it('aborts the same way with ABORT markers', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'ABORT')).toBe(ErrorCode.NONE);
    await h.settle();
    expect(h.states()).toEqual([S.Empty, S.Ongoing, S.PrepareAbort, S.CompleteAbort]);
    expect(h.sender.sent.map((m) => m.result)).toEqual(['ABORT']);
  });

  it('refuses bad ids and fenced epochs, the coordinator own epoch included', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    const end = (id: string | null, pid = r.producerId, epoch = r.producerEpoch) => h.tc.handleEndTransaction(id, pid, epoch, 'COMMIT');
    expect(await end(null)).toBe(ErrorCode.INVALID_REQUEST);
    expect(await end('')).toBe(ErrorCode.INVALID_REQUEST);
    expect(await end('nobody')).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await end(TXN, 5n)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    // a client may not name a higher epoch either
    expect(await end(TXN, r.producerId, 1)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(h.log.appends).toBe(2);
  });

  it("fences the coordinator's own abort when it carries an epoch below the current one", async () => {
    const h = await makeHarness();
    await h.init();
    const r = await h.begin(); // epoch 1
    const ctx = { states: h.tc.states, markers: h.tc.markers, clock: h.clock, logger: h.logger };
    expect(await endTransaction(ctx, { transactionalId: TXN, producerId: r.producerId, producerEpoch: 0, result: 'ABORT', isFromClient: false })).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await endTransaction(ctx, { transactionalId: TXN, producerId: r.producerId, producerEpoch: 1, result: 'ABORT', isFromClient: false })).toBe(ErrorCode.NONE);
  });

  it('answers a retry of a completed end with NONE, the opposite result with INVALID_TXN_STATE', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT');
    await h.settle();
    const appends = h.log.appends;
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.NONE);
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'ABORT')).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(h.log.appends).toBe(appends);

    const h2 = await makeHarness();
    const r2 = await h2.begin();
    await h2.tc.handleEndTransaction(TXN, r2.producerId, r2.producerEpoch, 'ABORT');
    await h2.settle();
    expect(await h2.tc.handleEndTransaction(TXN, r2.producerId, r2.producerEpoch, 'ABORT')).toBe(ErrorCode.NONE);
    expect(await h2.tc.handleEndTransaction(TXN, r2.producerId, r2.producerEpoch, 'COMMIT')).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('answers a retry during completion with CONCURRENT_TRANSACTIONS, the opposite result with INVALID_TXN_STATE', async () => {
    for (const [result, other] of [['COMMIT', 'ABORT'], ['ABORT', 'COMMIT']] as const) {
      const h = await makeHarness();
      const r = await h.begin();
      h.sender.hold = true;
      await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, result);
      // pending Complete*: every request is concurrent
      expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, other)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      // Prepare* with nothing pending (the Complete append was refused): the state decides
      h.metadata()!.pendingState = null;
      expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, result)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, other)).toBe(ErrorCode.INVALID_TXN_STATE);
    }
  });

  it('refuses to end a transaction that was never opened', async () => {
    const h = await makeHarness();
    const r = await h.init();
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'ABORT')).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('answers CONCURRENT_TRANSACTIONS while another transition is being written', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.log.holdAppends = true;
    const add = h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [{ topic: TOPIC, partition: 9 }]);
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    h.log.release();
    expect(await add).toBe(ErrorCode.NONE);
  });

  it('keeps the transaction open when PrepareCommit cannot be written, and sends no markers', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.log.failWith = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(h.metadata()).toMatchObject({ state: S.Ongoing, pendingState: null, hasFailedEpochFence: false });
    expect(h.sender.sent).toEqual([]);
    h.log.failWith = null;
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.NONE);
  });

  it('answers NOT_COORDINATOR and sends nothing when the partition was re-elected during the append', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.log.holdAppends = true;
    const end = h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT');
    await h.settle();
    h.tc.onResignation(0);
    await h.tc.onElection(0, 2); // loads Empty, Ongoing: the held append is not in the log yet
    const reloaded = h.metadata()!;
    h.log.release();
    expect(await end).toBe(ErrorCode.NOT_COORDINATOR);
    await h.settle();
    // the stale transition was not applied to the new cache, and no marker was sent
    expect(reloaded).toMatchObject({ state: S.Ongoing, pendingState: null });
    expect(h.sender.sent).toEqual([]);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS when the append completes while the partition reloads', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.log.holdAppends = true;
    const end = h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT');
    await h.settle();
    h.log.holdReads = true;
    const reload = h.tc.onElection(0, 2);
    h.log.release();
    expect(await end).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    h.log.releaseReads();
    await reload;
    await h.settle();
    // the reload found the PrepareCommit and completes it under the new epoch
    expect(h.sender.sent.map((m) => m.coordinatorEpoch)).toEqual([2]);
    expect(h.states().at(-1)).toBe(S.CompleteCommit);
  });
});
