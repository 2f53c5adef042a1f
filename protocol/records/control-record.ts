/**
 * Control records: the single record of a control batch (attribute bit 5).
 *   key:   version int16 (0) | type int16
 *   value (transaction markers ABORT/COMMIT): version int16 (0) | coordinatorEpoch int32
 * Kafka's ControlRecordType and EndTransactionMarker. Newer key/value versions are read as v0
 * (their fields are a prefix), as Kafka does.
 */
import { ErrorCode, ProtocolDecodeError } from '../errors';
import { buildRecordBatch } from './record-builder';
import { NO_SEQUENCE } from './record-batch';

export enum ControlRecordType {
  ABORT = 0,
  COMMIT = 1,
  LEADER_CHANGE = 2,
  SNAPSHOT_HEADER = 3,
  SNAPSHOT_FOOTER = 4,
  KRAFT_VERSION = 5,
  KRAFT_VOTERS = 6,
  /** Any type id this code does not know. */
  UNKNOWN = -1,
}

export const CONTROL_KEY_SIZE = 4;
export const END_TXN_MARKER_VALUE_SIZE = 6;
const CURRENT_VERSION = 0;

function corrupt(message: string): ProtocolDecodeError {
  return new ProtocolDecodeError(message, -1, ErrorCode.CORRUPT_MESSAGE);
}

export function encodeControlRecordKey(type: ControlRecordType): Buffer {
  const b = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  b.writeInt16BE(CURRENT_VERSION, 0);
  b.writeInt16BE(type, 2);
  return b;
}

/** Type of a control record from its key; unknown ids give ControlRecordType.UNKNOWN. */
export function readControlRecordType(key: Buffer | null): ControlRecordType {
  if (key === null || key.length < CONTROL_KEY_SIZE) throw corrupt(`control record key too short (${key?.length ?? 'null'})`);
  const version = key.readInt16BE(0);
  if (version < 0) throw corrupt(`invalid control record key version ${version}`);
  const type = key.readInt16BE(2);
  return type >= ControlRecordType.ABORT && type <= ControlRecordType.KRAFT_VOTERS ? (type as ControlRecordType) : ControlRecordType.UNKNOWN;
}

export interface EndTxnMarker {
  type: ControlRecordType.ABORT | ControlRecordType.COMMIT;
  coordinatorEpoch: number;
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const b = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  b.writeInt16BE(CURRENT_VERSION, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

/** Decodes a transaction marker from a control record's key and value. */
export function readEndTxnMarker(key: Buffer | null, value: Buffer | null): EndTxnMarker {
  const type = readControlRecordType(key);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) {
    throw corrupt(`control record type ${type} is not a transaction marker`);
  }
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw corrupt(`transaction marker value too short (${value?.length ?? 'null'})`);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw corrupt(`invalid transaction marker version ${version}`);
  return { type, coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTxnMarkerBatchOptions {
  type: ControlRecordType.ABORT | ControlRecordType.COMMIT;
  coordinatorEpoch: number;
  producerId: bigint;
  producerEpoch: number;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  /** ms since epoch; default now. */
  timestamp?: bigint | number;
}

/** A transactional control batch holding one marker (Kafka MemoryRecords.withEndTransactionMarker). */
export function buildEndTxnMarkerBatch(o: EndTxnMarkerBatchOptions): Buffer {
  return buildRecordBatch({
    baseOffset: o.baseOffset ?? 0n,
    partitionLeaderEpoch: o.partitionLeaderEpoch,
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    baseSequence: NO_SEQUENCE,
    isTransactional: true,
    isControl: true,
    records: [{ key: encodeControlRecordKey(o.type), value: encodeEndTxnMarkerValue(o.coordinatorEpoch), timestamp: o.timestamp }],
  });
}
