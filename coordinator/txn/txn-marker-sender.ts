/**
 * What the transaction coordinator needs from the broker to complete a transaction: writing the
 * COMMIT/ABORT control markers to the leaders of the transaction's partitions (WriteTxnMarkers,
 * API 27, to each leader; in process when the leader is this broker).
 */
import type { ErrorCode } from '../../protocol/errors';
import type { TopicPartition } from './topic-partition-set';
import type { TransactionResult } from './transaction-state';

export interface TxnMarker {
  producerId: bigint;
  producerEpoch: number;
  /** The __transaction_state leader epoch the coordinator holds; leaders refuse markers of an older one (TRANSACTION_COORDINATOR_FENCED). */
  coordinatorEpoch: number;
  result: TransactionResult;
  partitions: readonly TopicPartition[];
}

export interface TxnMarkerPartitionResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
}

export interface TxnMarkerSender {
  /**
   * Whether the partition is in this broker's metadata cache. A partition that is not (its topic
   * was deleted) gets no marker and no longer holds up the transaction, as in Kafka's
   * TransactionMarkerChannelManager. A partition that exists but has no live leader is sent and
   * answered with a retriable error (LEADER_NOT_AVAILABLE / NOT_LEADER_OR_FOLLOWER).
   */
  partitionExists(topic: string, partition: number): boolean;
  /**
   * Writes the marker to the leader of every partition, grouped per leader broker as the sender
   * likes, and resolves with the WriteTxnMarkers error code of every partition. A partition missing
   * from the answer, or a rejection (connection lost), is retried like a retriable error.
   *
   * How the coordinator treats the codes: NONE done; UNKNOWN_TOPIC_OR_PARTITION,
   * NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT,
   * KAFKA_STORAGE_ERROR (and the sender's own LEADER_NOT_AVAILABLE, BROKER_NOT_AVAILABLE,
   * NETWORK_EXCEPTION) retried after a backoff; INVALID_PRODUCER_EPOCH and
   * TRANSACTION_COORDINATOR_FENCED stop the markers of this transaction (a newer producer or
   * coordinator took over); UNSUPPORTED_FOR_MESSAGE_FORMAT and UNSUPPORTED_VERSION count as done;
   * anything else is logged and stops the markers (the transaction completes on the next load).
   */
  send(marker: TxnMarker): Promise<TxnMarkerPartitionResult[]>;
}
