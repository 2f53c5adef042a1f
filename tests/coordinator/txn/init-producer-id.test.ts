import { ErrorCode } from '../../../protocol/errors';
import { TransactionState as S } from '../../../coordinator/txn/transaction-state';
import { makeHarness, TOPIC, TXN } from './fakes';

const EMPTY_AT = (producerId: bigint, producerEpoch: number) => ({
  producerId,
  lastProducerId: producerId,
  producerEpoch,
  lastProducerEpoch: -1,
  txnTimeoutMs: 60000,
  txnState: S.Empty,
  topicPartitions: [],
  txnStartTimestamp: -1,
  txnLastUpdateTimestamp: 0,
});

describe('InitProducerId', () => {
  it('gives an idempotent producer (null transactional id) a fresh producer id at epoch 0, writing nothing', async () => {
    const h = await makeHarness();
    expect(await h.tc.handleInitProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: -1n, producerEpoch: -1 })).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    expect(await h.tc.handleInitProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: 1000n, producerEpoch: 0 })).toEqual({ errorCode: ErrorCode.NONE, producerId: 1001n, producerEpoch: 0 });
    expect(h.log.appends).toBe(0);
  });

  it('answers a producer id allocation failure with its error', async () => {
    const h = await makeHarness();
    h.producerIds.failWith = new Error('store down');
    expect(await h.tc.handleInitProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: -1n, producerEpoch: -1 })).toEqual({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, producerId: -1n, producerEpoch: -1 });
    expect((await h.init()).errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });

  it('refuses an empty transactional id, a half-given producer id/epoch and a bad timeout', async () => {
    const h = await makeHarness({ transactionMaxTimeoutMs: 1000 });
    expect(await h.tc.handleInitProducerId({ transactionalId: '', transactionTimeoutMs: 100, producerId: -1n, producerEpoch: -1 })).toEqual({ errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 });
    expect((await h.tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 100, producerId: -1n, producerEpoch: 3 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await h.tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 100, producerId: 7n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await h.init(TXN, 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await h.init(TXN, 1001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await h.init(TXN, 1000)).errorCode).toBe(ErrorCode.NONE);
  });

  it('creates a transactional id at epoch 0 and bumps the epoch on every later call, writing Empty with acks=all semantics', async () => {
    const h = await makeHarness();
    expect(await h.init(TXN, 5000)).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    expect(h.log.appendTimeouts).toEqual([5000]); // the append waits up to the transaction timeout
    expect(await h.init()).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 1 });
    expect(h.states()).toEqual([S.Empty, S.Empty]);
    const rec = h.log.records(0)[1]!.value!;
    expect([rec.producerId, rec.producerEpoch, rec.txnTimeoutMs]).toEqual([1000n, 1, 60000]);
    expect(h.metadata()!.lastProducerEpoch).toBe(-1);
  });

  it('answers NOT_COORDINATOR for a partition not led here', async () => {
    const h = await makeHarness({ transactionStateLogNumPartitions: 2 });
    // partition 0 is led; find an id of partition 1
    const other = ['a', 'b', 'c', 'd'].find((id) => h.tc.partitionFor(id) === 1)!;
    expect((await h.init(other)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  describe('KIP-360: a producer naming its producer id and epoch', () => {
    it('bumps when the epoch is current and answers a retry of that bump with the same epoch', async () => {
      const h = await makeHarness();
      await h.init();
      const first = await h.tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 1000n, producerEpoch: 0 });
      expect(first).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 1 });
      expect(h.metadata()!.lastProducerEpoch).toBe(0);
      // the answer was lost: the producer asks again with its old epoch
      const retry = await h.tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 1000n, producerEpoch: 0 });
      expect(retry).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 1 });
    });

    it('fences an epoch that is neither current nor the last one', async () => {
      const h = await makeHarness();
      await h.init();
      await h.init(); // epoch 1, last -1: another instance took over
      expect((await h.tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 1000n, producerEpoch: 0 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
      expect(h.metadata()!.pendingState).toBeNull();
    });

    it('fences a producer id that is not the current one', async () => {
      const h = await makeHarness();
      await h.init();
      expect((await h.tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 77n, producerEpoch: 0 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    });

    it('accepts any producer id for a transactional id the coordinator does not know (UNKNOWN_PRODUCER_ID recovery)', async () => {
      const h = await makeHarness();
      expect(await h.tc.handleInitProducerId({ transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 77n, producerEpoch: 5 })).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    });
  });

  describe('epoch exhaustion', () => {
    async function exhausted() {
      const h = await makeHarness();
      await h.log.seed(0, TXN, EMPTY_AT(500n, 32766));
      await h.tc.onResignation(0);
      await h.tc.onElection(0, 2);
      return h;
    }

    it('rotates to a new producer id at epoch 0', async () => {
      const h = await exhausted();
      expect(await h.init()).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
      expect([h.metadata()!.lastProducerId, h.metadata()!.lastProducerEpoch]).toEqual([500n, -1]);
    });

    it('records the last epoch for a producer that named it, and answers its retry without rotating again', async () => {
      const h = await exhausted();
      const named = { transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 500n, producerEpoch: 32766 };
      expect(await h.tc.handleInitProducerId(named)).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
      expect(h.metadata()!.lastProducerEpoch).toBe(32766);
      // the retry names the previous producer id with its exhausted epoch
      expect(await h.tc.handleInitProducerId(named)).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
      expect(h.producerIds.next).toBe(1001n);
      // the previous id with an epoch that is not exhausted is fenced
      expect((await h.tc.handleInitProducerId({ ...named, producerEpoch: 30000 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    });
  });

  describe('an Ongoing transaction (a zombie with the same transactional id)', () => {
    it('is fenced: PrepareAbort at epoch + 1, CONCURRENT_TRANSACTIONS, ABORT markers, then the retry gets epoch + 2', async () => {
      const h = await makeHarness();
      const zombie = await h.begin(); // epoch 0, Ongoing on orders-0, orders-1
      const r = await h.init();
      expect(r.errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      expect(h.log.records(0)[2]!.value).toMatchObject({ state: S.PrepareAbort, producerEpoch: 1 });
      await h.settle();
      expect(h.sender.sent).toEqual([{ producerId: 1000n, producerEpoch: 1, coordinatorEpoch: 1, result: 'ABORT', partitions: [{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 1 }] }]);
      expect(h.states()).toEqual([S.Empty, S.Ongoing, S.PrepareAbort, S.CompleteAbort]);
      // the zombie is fenced everywhere
      expect(await h.tc.handleAddPartitionsToTransaction(TXN, zombie.producerId, zombie.producerEpoch, [{ topic: TOPIC, partition: 2 }])).toBe(ErrorCode.PRODUCER_FENCED);
      expect(await h.tc.handleEndTransaction(TXN, zombie.producerId, zombie.producerEpoch, 'COMMIT')).toBe(ErrorCode.PRODUCER_FENCED);
      // the new instance retries and gets the next epoch
      expect(await h.init()).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 2 });
    });

    it('forgets the last epoch when fencing, so an old retry of a KIP-360 bump is fenced afterwards', async () => {
      const h = await makeHarness();
      await h.init();
      const named = { transactionalId: TXN, transactionTimeoutMs: 60000, producerId: 1000n, producerEpoch: 0 };
      const bumped = await h.tc.handleInitProducerId(named); // epoch 1, last epoch 0
      await h.tc.handleAddPartitionsToTransaction(TXN, bumped.producerId, bumped.producerEpoch, [{ topic: TOPIC, partition: 0 }]);
      expect((await h.init()).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS); // fenced to epoch 2
      await h.settle();
      expect(h.metadata()).toMatchObject({ state: S.CompleteAbort, producerEpoch: 2, lastProducerEpoch: -1 });
      expect((await h.tc.handleInitProducerId(named)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    });

    it('keeps the raised epoch once when the fence cannot be written, and does not raise it again', async () => {
      const h = await makeHarness();
      await h.begin();
      h.log.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
      expect((await h.init()).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const md = h.metadata()!;
      expect([md.state, md.producerEpoch, md.pendingState, md.hasFailedEpochFence]).toEqual([S.Ongoing, 1, null, true]);
      h.log.failWith = null;
      expect((await h.init()).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      expect(h.log.records(0)[2]!.value).toMatchObject({ state: S.PrepareAbort, producerEpoch: 1 });
    });
  });

  it('answers CONCURRENT_TRANSACTIONS while the transaction is being completed', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.sender.hold = true;
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'COMMIT')).toBe(ErrorCode.NONE);
    expect((await h.init()).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS); // PrepareCommit, Complete pending
    h.sender.release();
    await h.settle();
    expect(await h.init()).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 1 });
  });

  it('answers CONCURRENT_TRANSACTIONS in PrepareCommit / PrepareAbort even with nothing pending', async () => {
    for (const result of ['COMMIT', 'ABORT'] as const) {
      const h = await makeHarness();
      const r = await h.begin();
      h.sender.hold = true;
      await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, result);
      h.metadata()!.pendingState = null; // as after a refused Complete* append
      expect((await h.init()).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
  });

  it('answers CONCURRENT_TRANSACTIONS while another transition of the id is being written', async () => {
    const h = await makeHarness();
    await h.init();
    h.log.holdAppends = true;
    const first = h.init();
    expect((await h.init()).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    h.log.release();
    expect((await first).producerEpoch).toBe(1);
  });

  it('lets only one of two concurrent first calls write, the other answering CONCURRENT_TRANSACTIONS', async () => {
    const h = await makeHarness();
    h.producerIds.hold = true;
    h.log.holdAppends = true;
    const a = h.init();
    const b = h.init();
    h.producerIds.release();
    await h.settle();
    expect(h.log.heldAppends).toBe(1);
    h.log.release();
    const results = [await a, await b];
    expect(results.map((r) => r.errorCode).sort()).toEqual([ErrorCode.NONE, ErrorCode.CONCURRENT_TRANSACTIONS].sort());
    expect(h.metadata()!.producerId).toBe(results.find((r) => r.errorCode === ErrorCode.NONE)!.producerId);
  });

  it('reverts the pending state when the append fails, so the next call succeeds', async () => {
    const h = await makeHarness();
    await h.init();
    h.log.failWith = ErrorCode.REQUEST_TIMED_OUT;
    expect((await h.init()).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(h.metadata()).toMatchObject({ producerEpoch: 0, pendingState: null });
    h.log.failWith = null;
    expect((await h.init()).producerEpoch).toBe(1);
  });
});
