import { ErrorCode } from '../../../protocol/errors';
import { TransactionState as S } from '../../../coordinator/txn/transaction-state';
import { makeHarness, TOPIC, TXN } from './fakes';

const INTERVAL = 10000; // transaction.abort.timed.out.transaction.cleanup.interval.ms default

describe('timed-out transactions', () => {
  it('are aborted by the periodic check with the epoch raised, fencing the producer', async () => {
    const h = await makeHarness();
    const r = await h.begin(TXN, [0], 5000);
    await h.tick(INTERVAL);
    expect(h.states()).toEqual([S.Empty, S.Ongoing, S.PrepareAbort, S.CompleteAbort]);
    expect(h.log.records(0)[2]!.value).toMatchObject({ state: S.PrepareAbort, producerEpoch: 1 });
    expect(h.sender.sent).toEqual([{ producerId: r.producerId, producerEpoch: 1, coordinatorEpoch: 1, result: 'ABORT', partitions: [{ topic: TOPIC, partition: 0 }] }]);
    expect(h.metadata()!.lastProducerEpoch).toBe(-1);
    // the timed-out producer is fenced; a new InitProducerId gets the next epoch
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await h.init()).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 2 });
  });

  it('are only the Ongoing ones open longer than their timeout, with nothing pending', async () => {
    const h = await makeHarness();
    await h.begin(TXN, [0], 5000);
    await h.begin('long', [0], 60000);
    await h.init('idle', 1000);
    h.clock.advance(5000);
    expect(h.tc.states.timedOutTransactions()).toEqual([]); // start + timeout < now is strict
    h.clock.advance(1);
    expect(h.tc.states.timedOutTransactions()).toEqual([{ transactionalId: TXN, producerId: 1000n, producerEpoch: 0, metadata: h.metadata() }]);
    h.metadata()!.pendingState = S.PrepareCommit;
    expect(h.tc.states.timedOutTransactions()).toEqual([]);
  });

  it('repeat every cleanup interval and skip a transaction whose transition is pending', async () => {
    const h = await makeHarness({ transactionAbortTimedOutTransactionCleanupIntervalMs: 1000 });
    const r = await h.begin(TXN, [0], 1500);
    await h.tick(1000);
    expect(h.metadata()!.state).toBe(S.Ongoing);
    h.log.holdAppends = true;
    const add = h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [{ topic: TOPIC, partition: 1 }]);
    await h.tick(1000); // timed out, but a transition is being written
    expect(h.metadata()!.pendingState).toBe(S.Ongoing);
    h.log.release();
    expect(await add).toBe(ErrorCode.NONE);
    await h.tick(1000);
    expect(h.metadata()!.state).toBe(S.CompleteAbort);
  });

  it('reuse the raised epoch after a failed abort write', async () => {
    const h = await makeHarness();
    await h.begin(TXN, [0], 1000);
    h.log.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
    await h.tick(INTERVAL);
    expect(h.metadata()).toMatchObject({ state: S.Ongoing, producerEpoch: 1, hasFailedEpochFence: true, pendingState: null });
    expect(h.logger.lines.some((l) => l.startsWith('WARN') && l.includes('COORDINATOR_NOT_AVAILABLE'))).toBe(true);
    h.log.failWith = null;
    await h.tick(INTERVAL);
    expect(h.log.records(0).map((x) => [x.value!.state, x.value!.producerEpoch])).toEqual([
      [S.Empty, 0],
      [S.Ongoing, 0],
      [S.PrepareAbort, 1],
      [S.CompleteAbort, 1],
    ]);
  });

  it('stop with shutdown', async () => {
    const h = await makeHarness();
    await h.begin(TXN, [0], 1000);
    h.tc.shutdown();
    await h.tick(INTERVAL * 3);
    expect(h.states()).toEqual([S.Empty, S.Ongoing]);
    expect(h.clock.pendingTimers).toBe(0);
  });
});

describe('transactional id expiry', () => {
  const EXPIRY = 604800000; // transactional.id.expiration.ms default
  const CLEANUP = 3600000; // transaction.remove.expired.transaction.cleanup.interval.ms default
  // no timed-out aborts during the week these tests skip over
  const NO_ABORTS = { transactionAbortTimedOutTransactionCleanupIntervalMs: 2 ** 31 - 1 };
  const manual = () => makeHarness(NO_ABORTS, { enableTransactionalIdExpiration: false });

  it('writes a tombstone for ids idle longer than transactional.id.expiration.ms and forgets them', async () => {
    const h = await makeHarness(NO_ABORTS);
    await h.init('idle');
    await h.begin('open');
    await h.init('done');
    const d = h.metadata('done')!;
    await h.tc.handleAddPartitionsToTransaction('done', d.producerId, d.producerEpoch, [{ topic: TOPIC, partition: 0 }]);
    await h.tc.handleEndTransaction('done', d.producerId, d.producerEpoch, 'COMMIT');
    await h.settle();
    await h.tick(EXPIRY - 1);
    await h.tc.removeExpiredTransactionalIds();
    expect(h.log.records(0).filter((r) => r.value === null)).toEqual([]);
    await h.tick(CLEANUP); // the scheduled run, now past the expiration
    expect(h.states('idle').at(-1)).toBe('tombstone');
    expect(h.states('done').at(-1)).toBe('tombstone');
    expect(h.states('open').at(-1)).toBe(S.Ongoing); // an open transaction never expires (it times out)
    expect(h.tc.handleDescribeTransactions('idle').errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect(h.log.appendTimeouts.at(-1)).toBe(30000); // request.timeout.ms
    // a reload agrees; the id starts over with a new producer id
    await h.tc.onElection(0, 2);
    expect(h.tc.handleDescribeTransactions('done').errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect((await h.init('done')).producerId).toBe(1003n);
  });

  it('keeps an id whose tombstone could not be written, and answers CONCURRENT_TRANSACTIONS while it is written', async () => {
    const h = await manual();
    await h.init();
    h.clock.advance(EXPIRY + 1);
    h.log.holdAppends = true;
    const removal = h.tc.removeExpiredTransactionalIds();
    expect(h.metadata()!.pendingState).toBe(S.Dead);
    expect((await h.init()).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    h.log.failHeld(ErrorCode.NOT_ENOUGH_REPLICAS);
    await removal;
    expect(h.metadata()).toMatchObject({ state: S.Empty, pendingState: null });
    expect(h.logger.lines.some((l) => l.startsWith('WARN') && l.includes('Failed to remove expired transactional id'))).toBe(true);
    expect((await h.init()).producerEpoch).toBe(1);
  });

  it('skips ids with a pending transition, and does not remove an id whose partition was reloaded meanwhile', async () => {
    const h = await manual();
    await h.init('a');
    await h.init('b');
    h.clock.advance(EXPIRY + 1);
    h.metadata('a')!.pendingState = S.Empty; // a transition being written
    h.log.holdAppends = true;
    const removal = h.tc.removeExpiredTransactionalIds();
    h.tc.onResignation(0);
    await h.tc.onElection(0, 2); // reloaded before the tombstone of 'b' landed
    const reloaded = h.metadata('b');
    h.log.release();
    await removal;
    expect(h.states('a')).toEqual([S.Empty]);
    expect(h.states('b')).toEqual([S.Empty, 'tombstone']);
    expect(h.metadata('b')).toBe(reloaded);
    expect(reloaded).toMatchObject({ pendingState: null });
  });

  it('splits the tombstones into batches of at most 512 KiB of keys', async () => {
    const h = await manual();
    const ids = Array.from({ length: 20 }, (_, i) => `${i}`.padStart(30000, 'x')); // 600 KB of keys
    for (const id of ids) await h.init(id);
    h.clock.advance(EXPIRY + 1);
    const before = h.log.appends;
    await h.tc.removeExpiredTransactionalIds();
    expect(h.log.appends - before).toBe(2);
    expect(h.log.records(0).filter((r) => r.value === null)).toHaveLength(20);
  });

  it('is not scheduled when disabled', async () => {
    const h = await makeHarness(NO_ABORTS, { enableTransactionalIdExpiration: false });
    await h.init();
    await h.tick(EXPIRY + CLEANUP);
    expect(h.states()).toEqual([S.Empty]);
  });
});
