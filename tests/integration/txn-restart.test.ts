/**
 * Integration > Transactions > a broker restart in the middle of an open transaction: the
 * coordinator reloads the transaction from __transaction_state and aborts it when its timeout
 * passes; read_committed consumers never see its records (before the restart, after it, after
 * the abort), the records of a transaction committed before the restart stay visible, and the
 * transactional id works again afterwards.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startTestBroker, tempDir, waitFor, type TestBroker } from './helpers';
import fs from 'fs';

jest.setTimeout(90_000);
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

const TOPIC = 'txn-restart';
const CONFIG = {
  'transaction.state.log.num.partitions': 2,
  'offsets.topic.num.partitions': 2,
  // the coordinator looks for timed-out transactions every 200 ms
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
};

async function readCommitted(kafka: Kafka, group: string, settleMs: number): Promise<string[]> {
  const c = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100 });
  const seen: string[] = [];
  await c.connect();
  try {
    await c.subscribe({ topic: TOPIC, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await c.disconnect();
  }
  return seen.sort();
}

describe('Integration > Transactions > broker restart mid-transaction', () => {
  const dataDir = tempDir('gregor-txn-restart-');
  let b: TestBroker;
  afterAll(async () => {
    await b?.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('aborts the open transaction by its timeout after the restart; read_committed never sees it', async () => {
    b = await startTestBroker({ dataDir, config: CONFIG });
    const port = b.port;
    const kafka = () => new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'txn-restart', logLevel: logLevel.NOTHING, retry: { retries: 15, initialRetryTime: 100 } });
    const k1 = kafka();
    const admin = k1.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const p: Producer = k1.producer({ transactionalId: 'tx-restart', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 3000 });
    await p.connect();
    const done = await p.transaction();
    await done.send({ topic: TOPIC, messages: [{ value: 'committed-before' }] });
    await done.commit();
    const open = await p.transaction();
    await open.send({ topic: TOPIC, messages: [{ value: 'open-1' }, { value: 'open-2' }] });
    // the open transaction's records are in the log, but not below the LSO
    expect(await readCommitted(k1, 'before-restart', 1500)).toEqual(['committed-before']);
    await p.disconnect();

    await b.stop();
    b = await startTestBroker({ dataDir, port, config: CONFIG });
    const k2 = kafka();
    const tc = b.services.txnCoordinator!;
    await waitFor(() => ['PrepareAbort', 'CompleteAbort'].includes(tc.handleDescribeTransactions('tx-restart').transactionState), 30_000, 'the timed-out transaction to be aborted');
    await waitFor(() => tc.handleDescribeTransactions('tx-restart').transactionState === 'CompleteAbort', 15_000, 'the abort to complete');
    const partition = b.services.replicaManager.getPartition(TOPIC, 0)!;
    await waitFor(() => partition.lastStableOffset === partition.logEndOffset, 10_000, 'the LSO to pass the aborted transaction');
    expect(await readCommitted(k2, 'after-abort', 1500)).toEqual(['committed-before']);

    // the transactional id works again
    const p2 = k2.producer({ transactionalId: 'tx-restart', idempotent: true, maxInFlightRequests: 1 });
    await p2.connect();
    const again = await p2.transaction();
    await again.send({ topic: TOPIC, messages: [{ value: 'committed-after' }] });
    await again.commit();
    await p2.disconnect();
    expect(await readCommitted(k2, 'after-restart', 1500)).toEqual(['committed-after', 'committed-before']);
  });
});
