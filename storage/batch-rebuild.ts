/**
 * Re-encodes one validated batch (Kafka's LogValidator.buildRecordsAndAssignOffsets): the
 * records of a batch that must change codec, or whose compressed records' offset deltas are not
 * 0, 1, 2, ... (Kafka rewrites those rather than refusing them).
 *
 * Kept from the original: producer id, epoch and base sequence, the transactional and control
 * bits, the base timestamp, and every record's timestamp, key, value and headers. Record
 * offset deltas become the record's index. Base offset and leader epoch are placeholders (the
 * caller assigns them); the timestamp type is CreateTime with the largest record timestamp as
 * max timestamp (a LogAppendTime topic then stamps the batch as for any other).
 */
import { buildRecordBatch } from '../protocol/records/record-builder';
import type { KafkaRecord } from '../protocol/records/record';
import { RecordBatchView, TimestampType } from '../protocol/records/record-batch';

import type { StoredCodec } from './record-policy';

export function rebuildBatch(view: RecordBatchView, records: readonly KafkaRecord[], codec: StoredCodec, maxTimestamp: bigint): Buffer {
  const baseTimestamp = view.baseTimestamp;
  return buildRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch: view.partitionLeaderEpoch,
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
    isTransactional: view.isTransactional,
    isControl: view.isControl,
    compression: codec.type,
    compressionLevel: codec.level,
    timestampType: TimestampType.CreateTime,
    baseTimestamp,
    maxTimestamp,
    records: records.map((r, i) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      // the builder stores timestamp - base: the original delta (for a batch that claimed
      // LogAppendTime, its max timestamp, which is what the record read as, as in Kafka)
      timestamp: r.timestamp,
      offsetDelta: i,
    })),
  });
}
