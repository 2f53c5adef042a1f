/**
 * Builds magic-2 record batches with kafkajs's own encoder (an independent implementation),
 * for differential tests of our view and decoder.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const Long = require('kafkajs/src/utils/long');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0');

export interface KafkajsRecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[]>;
  timestamp: number;
}

export interface KafkajsBatchOptions {
  compression?: number;
  firstOffset?: bigint;
  partitionLeaderEpoch?: number;
  transactional?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  firstSequence?: number;
  records: KafkajsRecordInput[];
}

/** Encodes like kafkajs's producer does (createTopicData → RecordBatch). */
export async function kafkajsBatch(o: KafkajsBatchOptions): Promise<Buffer> {
  const first = o.records[0]?.timestamp ?? Date.now();
  const max = o.records.reduce((m, r) => Math.max(m, r.timestamp), first);
  const records = o.records.map((r, i) =>
    Record({ offsetDelta: i, timestampDelta: r.timestamp - first, key: r.key, value: r.value, headers: r.headers ?? {} }),
  );
  const encoder = await RecordBatch({
    compression: o.compression ?? 0,
    firstOffset: Long.fromString((o.firstOffset ?? 0n).toString()),
    firstTimestamp: first,
    maxTimestamp: max,
    partitionLeaderEpoch: o.partitionLeaderEpoch ?? 0,
    lastOffsetDelta: Math.max(0, o.records.length - 1),
    transactional: o.transactional ?? false,
    producerId: Long.fromString((o.producerId ?? -1n).toString()),
    producerEpoch: o.producerEpoch ?? 0,
    firstSequence: o.firstSequence ?? 0,
    records,
  });
  return Buffer.from(encoder.buffer);
}
