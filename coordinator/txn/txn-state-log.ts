/**
 * How the transaction coordinator reaches the __transaction_state partitions. The broker
 * implements TxnStateLog on its replica manager (leader appends with acks=all), exactly as it
 * implements coordinator/group's CoordinatorLog on __consumer_offsets; the shapes are the same
 * apart from the append timeout. The coordinator speaks records through the functions below,
 * which frame them as one magic-2 batch per append (no compression, CreateTime = the coordinator
 * clock), as Kafka's TransactionLog enforces.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { buildRecordBatch, readRecords } from '../../protocol/records/record';
import { iterateBatches } from '../../protocol/records/batch-iterator';
import { TRANSACTION_STATE_TOPIC_NAME } from './transaction-log';

export interface TxnStateLog {
  /**
   * Appends one record batch to partition `partition` of __transaction_state as leader. Resolves
   * once the batch is committed (acks=all: the high watermark is past it), rejects with a
   * KafkaError (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT after `timeoutMs`,
   * ...). Kafka waits up to the transaction's timeout for a transition and request.timeout.ms for
   * tombstones; the coordinator passes those.
   */
  append(partition: number, batch: Buffer, timeoutMs: number): Promise<void>;
  /** Whole batches starting with the one containing `fromOffset` (may be empty at the end). */
  read(partition: number, fromOffset: bigint, maxBytes: number): Promise<Buffer>;
  /** First offset present in the partition. */
  startOffset(partition: number): Promise<bigint>;
  /** Where loading stops: the leader's log end offset (Kafka loads to the log end, not the HW). */
  endOffset(partition: number): Promise<bigint>;
}

export interface TxnLogRecord {
  key: Buffer;
  /** null = tombstone. */
  value: Buffer | null;
}

/** Appends `records` as one batch; resolves when durable. */
export function appendTxnRecords(log: TxnStateLog, partition: number, records: readonly TxnLogRecord[], timestampMs: number, timeoutMs: number): Promise<void> {
  try {
    const batch = buildRecordBatch({ records: records.map((r) => ({ key: r.key, value: r.value, timestamp: timestampMs })) });
    return log.append(partition, batch, timeoutMs);
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Calls `visit` for every record from the log start to the log end, in order. Reads no further
 * (and resolves) once `keepGoing` returns false: the partition was resigned or re-elected
 * meanwhile. The caller checks again once it resolves.
 */
export async function replayTxnLog(log: TxnStateLog, partition: number, maxBytes: number, keepGoing: () => boolean, visit: (r: TxnLogRecord) => void): Promise<void> {
  let offset = await log.startOffset(partition);
  const end = await log.endOffset(partition);
  while (offset < end && keepGoing()) {
    const buf = await log.read(partition, offset, maxBytes);
    let progressed = false;
    for (const entry of iterateBatches(buf)) {
      const view = entry.view;
      if (!view) continue;
      const next = view.lastOffset + 1n;
      if (next <= offset) continue;
      progressed = true;
      if (!view.isControl) {
        for (const rec of readRecords(view)) {
          if (rec.offset < offset || rec.offset >= end) continue;
          if (rec.key === null) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record without a key at offset ${rec.offset} of ${TRANSACTION_STATE_TOPIC_NAME}-${partition}`);
          visit({ key: rec.key, value: rec.value });
        }
      }
      offset = next;
      if (offset >= end) break;
    }
    if (!progressed) {
      if (buf.length === 0) return; // nothing more readable below the end offset
      if (maxBytes >= 0x7fffffff) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unreadable batch at offset ${offset} of ${TRANSACTION_STATE_TOPIC_NAME}-${partition}`);
      maxBytes = Math.min(maxBytes * 2, 0x7fffffff); // a batch larger than the buffer: widen
    }
  }
}
