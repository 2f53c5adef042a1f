/**
 * The record format of __transaction_state (internal-topics/TransactionLogKey.json,
 * TransactionLogValue.json) and which partition holds a transactional id.
 *
 * Key and value start with an int16 schema version; the body is the generated codec of that
 * version. Written as Kafka 3.9 writes them without transaction.version 1 finalized (the ZooKeeper
 * mode default): key v0, value v0. Values v0 and v1 are readable. A transactional id that expired
 * is a tombstone (null value); Dead is never written. lastProducerId and lastProducerEpoch are not
 * in the record: loaded metadata has -1 for both, as in Kafka.
 */
import { ErrorCode, KafkaError, ProtocolDecodeError } from '../../protocol/errors';
import { Reader } from '../../protocol/primitives/reader';
import { Writer } from '../../protocol/primitives/writer';
import { readTransactionLogKey, sizeTransactionLogKey, writeTransactionLogKey } from '../../protocol/generated/internal/transaction-log-key';
import { readTransactionLogValue, sizeTransactionLogValue, writeTransactionLogValue, TransactionLogValue } from '../../protocol/generated/internal/transaction-log-value';
import { coordinatorPartitionFor } from '../group/coordinator-partition';
import { groupByTopic, TopicPartition } from './topic-partition-set';
import { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata';
import { TransactionState, transactionStateFromId } from './transaction-state';

export const TRANSACTION_STATE_TOPIC_NAME = '__transaction_state';

export const TRANSACTION_LOG_KEY_VERSION = 0;
/** The highest non-flexible version: what Kafka 3.9 writes until transaction.version >= 1. */
export const TRANSACTION_LOG_VALUE_VERSION = 0;
const MAX_KEY_VERSION = 0;
const MAX_VALUE_VERSION = 1;

/**
 * transactionalId -> __transaction_state partition, exactly as Kafka:
 * Utils.abs(transactionalId.hashCode()) % transaction.state.log.num.partitions.
 */
export function partitionFor(transactionalId: string, numPartitions: number): number {
  return coordinatorPartitionFor(transactionalId, numPartitions);
}

function corrupt(what: string, e: unknown): never {
  if (e instanceof ProtocolDecodeError) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `truncated or malformed ${what}: ${e.message}`);
  throw e;
}

export function encodeTransactionLogKey(transactionalId: string): Buffer {
  const m = { transactionalId };
  const w = new Writer(2 + sizeTransactionLogKey(m, TRANSACTION_LOG_KEY_VERSION));
  w.writeInt16(TRANSACTION_LOG_KEY_VERSION);
  writeTransactionLogKey(w, m, TRANSACTION_LOG_KEY_VERSION);
  return w.finishConcat();
}

/** The transactional id of a key, or null for a key version this broker does not know (skipped, as Kafka does). */
export function decodeTransactionLogKey(key: Buffer): string | null {
  try {
    const r = new Reader(key);
    const version = r.readInt16();
    if (version < 0 || version > MAX_KEY_VERSION) return null;
    return readTransactionLogKey(r, version).transactionalId;
  } catch (e) {
    return corrupt('__transaction_state key', e);
  }
}

/** The value record of a transition. Empty carries a null partition list. */
export function encodeTransactionLogValue(t: TxnTransitMetadata): Buffer {
  if (t.txnState === TransactionState.Dead) throw new Error('Dead is written as a tombstone, not as a value');
  if (t.txnState === TransactionState.Empty && t.topicPartitions.length > 0) throw new Error(`an Empty transaction has no partitions (${t.topicPartitions.length} given)`);
  const partitions = t.txnState === TransactionState.Empty ? null : [...groupByTopic(t.topicPartitions)].map(([topic, partitionIds]) => ({ topic, partitionIds }));
  const m: TransactionLogValue = {
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    transactionTimeoutMs: t.txnTimeoutMs,
    transactionStatus: t.txnState,
    transactionPartitions: partitions,
    transactionLastUpdateTimestampMs: BigInt(t.txnLastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(t.txnStartTimestamp),
  };
  const v = TRANSACTION_LOG_VALUE_VERSION;
  const w = new Writer(2 + sizeTransactionLogValue(m, v));
  w.writeInt16(v);
  writeTransactionLogValue(w, m, v);
  return w.finishConcat();
}

/** The metadata a value describes (null for a tombstone). Unknown versions are an error, as in Kafka. */
export function decodeTransactionLogValue(transactionalId: string, value: Buffer | null): TransactionMetadata | null {
  if (value === null) return null;
  let v: TransactionLogValue;
  try {
    const r = new Reader(value);
    const version = r.readInt16();
    if (version < 0 || version > MAX_VALUE_VERSION) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unknown __transaction_state value version ${version}`);
    v = readTransactionLogValue(r, version);
  } catch (e) {
    return corrupt('__transaction_state value', e);
  }
  const state = transactionStateFromId(v.transactionStatus);
  const partitions: TopicPartition[] = [];
  if (state !== TransactionState.Empty) for (const s of v.transactionPartitions ?? []) for (const p of s.partitionIds) partitions.push({ topic: s.topic, partition: p });
  return new TransactionMetadata(transactionalId, {
    producerId: v.producerId,
    producerEpoch: v.producerEpoch,
    txnTimeoutMs: v.transactionTimeoutMs,
    state,
    partitions,
    txnStartTimestamp: Number(v.transactionStartTimestampMs),
    txnLastUpdateTimestamp: Number(v.transactionLastUpdateTimestampMs),
  });
}
