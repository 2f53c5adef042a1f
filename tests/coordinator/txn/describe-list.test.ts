import { ErrorCode } from '../../../protocol/errors';
import { mapTxnAppendError } from '../../../coordinator/txn/transaction-state-manager';
import { KafkaError } from '../../../protocol/errors';
import { makeHarness, TOPIC, TXN } from './fakes';

describe('DescribeTransactions', () => {
  it('describes an open transaction with its partitions grouped by topic', async () => {
    const h = await makeHarness();
    const r = await h.init(TXN, 30000);
    const start = h.clock.now();
    await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [{ topic: TOPIC, partition: 1 }, { topic: 'b', partition: 0 }, { topic: TOPIC, partition: 0 }]);
    expect(h.tc.handleDescribeTransactions(TXN)).toEqual({
      errorCode: ErrorCode.NONE,
      transactionalId: TXN,
      transactionState: 'Ongoing',
      transactionTimeoutMs: 30000,
      transactionStartTimeMs: BigInt(start),
      producerId: 1000n,
      producerEpoch: 0,
      topics: [{ topic: TOPIC, partitions: [1, 0] }, { topic: 'b', partitions: [0] }],
    });
  });

  it('answers errors with the schema defaults for the other fields', async () => {
    const h = await makeHarness();
    expect(h.tc.handleDescribeTransactions('nobody')).toEqual({ errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId: 'nobody', transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: 0n, producerId: 0n, producerEpoch: 0, topics: [] });
    expect(h.tc.handleDescribeTransactions('').errorCode).toBe(ErrorCode.INVALID_REQUEST);
    await h.init();
    h.metadata()!.state = 6; // Dead: being removed
    expect(h.tc.handleDescribeTransactions(TXN).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    h.tc.shutdown();
    expect(h.tc.handleDescribeTransactions(TXN).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe('ListTransactions', () => {
  async function three() {
    const h = await makeHarness();
    await h.begin('a'); // Ongoing, producer 1000
    await h.init('b'); // Empty, producer 1001
    await h.begin('c'); // Ongoing, producer 1002
    return h;
  }
  const ids = (r: { transactionStates: Array<{ transactionalId: string }> }) => r.transactionStates.map((t) => t.transactionalId).sort();

  it('lists every transaction without filters', async () => {
    const h = await three();
    const r = h.tc.handleListTransactions({ stateFilters: [], producerIdFilters: [] });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.transactionStates.find((t) => t.transactionalId === 'b')).toEqual({ transactionalId: 'b', producerId: 1001n, transactionState: 'Empty' });
    expect(ids(r)).toEqual(['a', 'b', 'c']);
  });

  it('filters by state and by producer id, reporting unknown state names', async () => {
    const h = await three();
    expect(ids(h.tc.handleListTransactions({ stateFilters: ['Ongoing'], producerIdFilters: [] }))).toEqual(['a', 'c']);
    expect(ids(h.tc.handleListTransactions({ stateFilters: ['Ongoing'], producerIdFilters: [1002n, 1001n] }))).toEqual(['c']);
    const unknown = h.tc.handleListTransactions({ stateFilters: ['Sleeping'], producerIdFilters: [] });
    expect(unknown).toEqual({ errorCode: ErrorCode.NONE, unknownStateFilters: ['Sleeping'], transactionStates: [] });
  });

  it('filters by duration (v1): only transactions running longer than it', async () => {
    const h = await makeHarness();
    await h.begin('old');
    h.clock.advance(5000);
    await h.begin('new');
    h.clock.advance(1000);
    expect(ids(h.tc.handleListTransactions({ stateFilters: ['Ongoing'], producerIdFilters: [], durationFilterMs: 2000 }))).toEqual(['old']);
    expect(ids(h.tc.handleListTransactions({ stateFilters: ['Ongoing'], producerIdFilters: [], durationFilterMs: -1 }))).toEqual(['new', 'old']);
  });

  it('leaves out Dead ids and answers COORDINATOR_NOT_AVAILABLE before startup', async () => {
    const h = await three();
    h.metadata('b')!.state = 6;
    expect(ids(h.tc.handleListTransactions({ stateFilters: [], producerIdFilters: [] }))).toEqual(['a', 'c']);
    const idle = h.make();
    expect(idle.handleListTransactions({ stateFilters: [], producerIdFilters: [] }).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe('append errors', () => {
  it('map to the coordinator errors of Kafka appendTransactionToLog', () => {
    const cases: Array<[ErrorCode, ErrorCode]> = [
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
      [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_COORDINATOR],
      [ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.UNKNOWN_SERVER_ERROR],
      [ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.UNKNOWN_SERVER_ERROR],
      [ErrorCode.INVALID_REQUIRED_ACKS, ErrorCode.INVALID_REQUIRED_ACKS],
    ];
    for (const [from, to] of cases) expect([from, mapTxnAppendError(new KafkaError(from))]).toEqual([from, to]);
    expect(mapTxnAppendError(new Error('boom'))).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });

  it('reach the client through every handler', async () => {
    const h = await makeHarness();
    const r = await h.begin();
    h.log.failWith = ErrorCode.KAFKA_STORAGE_ERROR;
    expect(await h.tc.handleAddPartitionsToTransaction(TXN, r.producerId, r.producerEpoch, [{ topic: TOPIC, partition: 7 }])).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await h.tc.handleEndTransaction(TXN, r.producerId, r.producerEpoch, 'ABORT')).toBe(ErrorCode.NOT_COORDINATOR);
    h.log.failWith = ErrorCode.MESSAGE_TOO_LARGE;
    expect(await h.tc.handleAddOffsetsToTransaction(TXN, r.producerId, r.producerEpoch, 'g')).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(h.metadata()).toMatchObject({ pendingState: null });
  });
});
