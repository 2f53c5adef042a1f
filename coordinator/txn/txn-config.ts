/**
 * The transaction coordinator's settings with Kafka 3.9's defaults; field names follow
 * BrokerConfig (units in the names). The broker fills them from the transaction.* keys.
 */

export interface TxnCoordinatorConfig {
  /** The partition count of __transaction_state (the topic's, once it exists). */
  transactionStateLogNumPartitions: number;
  /** transaction.state.log.load.buffer.size: bytes read at a time while loading. */
  transactionStateLogLoadBufferSize: number;
  /** transaction.max.timeout.ms: the largest transaction timeout a producer may ask for. */
  transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms: an idle transactional id is removed after this. */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  transactionRemoveExpiredTransactionalIdCleanupIntervalMs: number;
  /** request.timeout.ms: how long a tombstone append may wait. */
  requestTimeoutMs: number;
  /** offsets.topic.num.partitions: AddOffsetsToTxn adds the group's __consumer_offsets partition. */
  offsetsTopicNumPartitions: number;
  /**
   * Wait before resending markers that failed with a retriable error, or retrying a Complete*
   * append that found the coordinator unavailable (Kafka retries on its sender thread's next
   * round; this spaces the retries).
   */
  txnMarkerRetryBackoffMs: number;
  /** Wait before loading a partition again after its load failed. */
  txnLoadRetryBackoffMs: number;
}

export const DEFAULT_TXN_COORDINATOR_CONFIG: Readonly<TxnCoordinatorConfig> = Object.freeze({
  transactionStateLogNumPartitions: 50,
  transactionStateLogLoadBufferSize: 5242880,
  transactionMaxTimeoutMs: 900000,
  transactionalIdExpirationMs: 604800000,
  transactionAbortTimedOutTransactionCleanupIntervalMs: 10000,
  transactionRemoveExpiredTransactionalIdCleanupIntervalMs: 3600000,
  requestTimeoutMs: 30000,
  offsetsTopicNumPartitions: 50,
  txnMarkerRetryBackoffMs: 100,
  txnLoadRetryBackoffMs: 1000,
});

export interface TxnLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const SILENT_TXN_LOGGER: TxnLogger = { debug() {}, info() {}, warn() {}, error() {} };
