import { ErrorCode } from '../../../protocol/errors';
import { TransactionMetadata } from '../../../coordinator/txn/transaction-metadata';
import { TransactionState as S } from '../../../coordinator/txn/transaction-state';
import { makeHarness, TOPIC, TXN } from './fakes';

const fresh = (id: string) => new TransactionMetadata(id, { producerId: 9n, producerEpoch: -1, txnTimeoutMs: 1000, state: S.Empty, txnLastUpdateTimestamp: 0 });

describe('TransactionStateManager', () => {
  it('validates transaction.max.timeout.ms: positive and at most the maximum', async () => {
    const h = await makeHarness({ transactionMaxTimeoutMs: 100 });
    expect([0, 1, 100, 101, -5].map((t) => h.tc.states.validateTransactionTimeoutMs(t))).toEqual([false, true, true, false, false]);
  });

  it('puts new metadata only where it owns a loaded partition, and keeps what is cached', async () => {
    const h = await makeHarness();
    const first = h.tc.states.putTransactionStateIfNotExists(fresh('x'));
    const second = h.tc.states.putTransactionStateIfNotExists(fresh('x'));
    expect(second.owned && first.owned && second.metadata === first.metadata).toBe(true);
    h.log.holdReads = true;
    const reload = h.tc.onElection(0, 2);
    expect(h.tc.states.putTransactionStateIfNotExists(fresh('y'))).toEqual({ owned: false, error: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    h.tc.onResignation(0);
    expect(h.tc.states.putTransactionStateIfNotExists(fresh('y'))).toEqual({ owned: false, error: ErrorCode.NOT_COORDINATOR });
    h.log.releaseReads();
    await reload;
  });

  it('appends only for metadata it holds at the given coordinator epoch', async () => {
    const h = await makeHarness();
    await h.init();
    const md = h.metadata()!;
    const t = md.prepareIncrementProducerEpoch(1000, null, 1);
    expect(await h.tc.states.appendTransactionToLog('nobody', 1, t)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await h.tc.states.appendTransactionToLog(TXN, 0, t)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(h.log.appends).toBe(1);
    expect(await h.tc.states.appendTransactionToLog(TXN, 1, t)).toBe(ErrorCode.NONE);
    expect(md.producerEpoch).toBe(1);
  });

  it('keeps the transition pending on a failure the caller retries', async () => {
    const h = await makeHarness();
    await h.init();
    const md = h.metadata()!;
    const t = md.prepareIncrementProducerEpoch(1000, null, 1);
    h.log.failWith = ErrorCode.REQUEST_TIMED_OUT;
    expect(await h.tc.states.appendTransactionToLog(TXN, 1, t, { retryOnError: (c) => c === ErrorCode.COORDINATOR_NOT_AVAILABLE })).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(md.pendingState).toBe(S.Empty);
    h.log.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    expect(await h.tc.states.appendTransactionToLog(TXN, 1, t, { retryOnError: (c) => c === ErrorCode.COORDINATOR_NOT_AVAILABLE })).toBe(ErrorCode.NOT_COORDINATOR);
    expect(md.pendingState).toBeNull();
  });

  it('leaves the metadata of a newer epoch alone when an old append fails', async () => {
    const h = await makeHarness();
    await h.init();
    h.log.holdAppends = true;
    const stale = h.init(); // epoch-1 coordinator, held
    await h.settle();
    h.tc.onResignation(0);
    h.log.holdAppends = false;
    await h.tc.onElection(0, 2);
    h.log.holdAppends = true;
    const current = h.init(); // epoch-2 coordinator, held too
    await h.settle();
    expect(h.metadata()!.pendingState).toBe(S.Empty);
    h.log.failFirstHeld(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect((await stale).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(h.metadata()!.pendingState).toBe(S.Empty); // still the epoch-2 transition's
    h.log.release();
    expect((await current).producerEpoch).toBe(1);
  });

  it('reads no further once the partition is resigned during a load', async () => {
    const h = await makeHarness({ transactionStateLogLoadBufferSize: 1 }); // one batch per read
    await h.begin();
    await h.init('other');
    const tc = h.make();
    const reads = jest.spyOn(h.log, 'read');
    h.log.holdReads = true;
    const loaded = tc.onElection(0, 2);
    await h.settle();
    expect(reads).toHaveBeenCalledTimes(1);
    tc.onResignation(0);
    h.log.releaseReads();
    await loaded;
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('loads logs larger than the load buffer, one batch at a time', async () => {
    const h = await makeHarness({ transactionStateLogLoadBufferSize: 1 });
    await h.begin();
    await h.begin('b', [3]);
    const tc = h.make();
    tc.startup();
    await tc.onElection(0, 2);
    expect(tc.handleDescribeTransactions('b')).toMatchObject({ transactionState: 'Ongoing', topics: [{ topic: TOPIC, partitions: [3] }] });
  });
});
