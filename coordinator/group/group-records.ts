/**
 * The key/value formats of __consumer_offsets records (internal-topics/OffsetCommitKey.json,
 * OffsetCommitValue.json, GroupMetadataKey.json, GroupMetadataValue.json). Each key and value
 * starts with an int16 schema version; the body is the generated codec of that version.
 *
 * Written as Kafka 3.9 writes them: offset commit key v1, value v3 (v1 when the commit carries
 * an explicit expire timestamp); group metadata key v2, value v3. Every version 0-4 is readable.
 */
import { ErrorCode, KafkaError, ProtocolDecodeError } from '../../protocol/errors';
import { Reader } from '../../protocol/primitives/reader';
import { Writer } from '../../protocol/primitives/writer';
import { readOffsetCommitKey, sizeOffsetCommitKey, writeOffsetCommitKey } from '../../protocol/generated/internal/offset-commit-key';
import { readOffsetCommitValue, sizeOffsetCommitValue, writeOffsetCommitValue } from '../../protocol/generated/internal/offset-commit-value';
import { readGroupMetadataKey, sizeGroupMetadataKey, writeGroupMetadataKey } from '../../protocol/generated/internal/group-metadata-key';
import { readGroupMetadataValue, sizeGroupMetadataValue, writeGroupMetadataValue } from '../../protocol/generated/internal/group-metadata-value';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;

export interface OffsetCommitKey {
  group: string;
  topic: string;
  partition: number;
}
export interface OffsetCommitValue {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: bigint;
  expireTimestamp: bigint;
}
export interface GroupMemberRecord {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Buffer;
  assignment: Buffer;
}
export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: bigint;
  members: GroupMemberRecord[];
}

export type DecodedKey = ({ kind: 'offset' } & OffsetCommitKey) | { kind: 'group'; group: string };

/** int16 schema version, then the body encoded by the generated codec at that version. */
function encodeVersioned<T>(version: number, m: T, size: (m: T, v: number) => number, write: (w: Writer, m: T, v: number) => void): Buffer {
  const w = new Writer(2 + size(m, version));
  w.writeInt16(version);
  write(w, m, version);
  return w.finishConcat();
}

/** Reads the version prefix and hands the rest to `read`; malformed bytes become CORRUPT_MESSAGE. */
function decodeVersioned<T>(buf: Buffer, what: string, maxVersion: number, read: (r: Reader, v: number) => T): T {
  try {
    const r = new Reader(buf);
    const version = r.readInt16();
    if (version < 0 || version > maxVersion) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unknown ${what} version ${version}`);
    return read(r, version);
  } catch (e) {
    if (e instanceof ProtocolDecodeError) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `truncated or malformed ${what}: ${e.message}`);
    throw e;
  }
}

export function encodeOffsetCommitKey(k: OffsetCommitKey): Buffer {
  return encodeVersioned(OFFSET_COMMIT_KEY_VERSION, k, sizeOffsetCommitKey, writeOffsetCommitKey);
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return encodeVersioned(GROUP_METADATA_KEY_VERSION, { group }, sizeGroupMetadataKey, writeGroupMetadataKey);
}

/** The record kind a key selects: versions 0-1 an offset commit, 2 group metadata; others are ignored (null). */
export function decodeKey(key: Buffer): DecodedKey | null {
  if (key.length < 2) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'truncated __consumer_offsets key');
  const version = key.readInt16BE(0);
  if (version === 0 || version === 1) {
    const k = decodeVersioned(key, 'offset commit key', 1, readOffsetCommitKey);
    return { kind: 'offset', group: k.group, topic: k.topic, partition: k.partition };
  }
  if (version === 2) return { kind: 'group', group: decodeVersioned(key, 'group metadata key', 2, readGroupMetadataKey).group };
  return null; // other record kinds (e.g. share/consumer-group records of newer brokers)
}

export function encodeOffsetCommitValue(v: OffsetCommitValue): Buffer {
  // v1 is the only version that carries an explicit expire timestamp; otherwise v3 (with the leader epoch).
  return encodeVersioned(v.expireTimestamp >= 0n ? 1 : 3, v, sizeOffsetCommitValue, writeOffsetCommitValue);
}

export function decodeOffsetCommitValue(value: Buffer): OffsetCommitValue {
  const v = decodeVersioned(value, 'offset commit value', 4, readOffsetCommitValue);
  return { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp, expireTimestamp: v.expireTimestamp };
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  return encodeVersioned(3, v, sizeGroupMetadataValue, writeGroupMetadataValue);
}

export function decodeGroupMetadataValue(value: Buffer): GroupMetadataValue {
  const v = decodeVersioned(value, 'group metadata value', 4, readGroupMetadataValue);
  return {
    protocolType: v.protocolType,
    generation: v.generation,
    protocol: v.protocol,
    leader: v.leader,
    currentStateTimestamp: v.currentStateTimestamp,
    members: v.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      // v0 records have no rebalance timeout: Kafka takes the session timeout
      rebalanceTimeout: m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
      sessionTimeout: m.sessionTimeout,
      // copied: the caller keeps members long after the log read buffer is gone
      subscription: Buffer.from(m.subscription),
      assignment: Buffer.from(m.assignment),
    })),
  };
}
