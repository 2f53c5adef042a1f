/**
 * The key/value formats of __consumer_offsets records (internal-topics/OffsetCommitKey.json,
 * OffsetCommitValue.json, GroupMetadataKey.json, GroupMetadataValue.json). Each key and value
 * starts with an int16 schema version.
 *
 * Written as Kafka 3.9 writes them: offset commit key v1, value v3 (v1 when the commit carries
 * an explicit expire timestamp); group metadata key v2, value v3. Every version 0-4 is readable.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';

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

/** Growable big-endian writer for these small records. */
class Out {
  private buf = Buffer.alloc(256);
  private pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  i16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
    return this;
  }
  i64(v: bigint): this {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
    return this;
  }
  str(v: string | null): this {
    if (v === null) return this.i16(-1);
    const len = Buffer.byteLength(v, 'utf8');
    if (len > 0x7fff) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'string longer than 32767 bytes');
    this.i16(len);
    this.ensure(len);
    this.pos += this.buf.write(v, this.pos, 'utf8');
    return this;
  }
  bytes(v: Buffer): this {
    this.i32(v.length);
    this.ensure(v.length);
    this.pos += v.copy(this.buf, this.pos);
    return this;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Bounds-checked reader; a short or malformed record throws CORRUPT_MESSAGE. */
class In {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'truncated __consumer_offsets record');
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  uvarint(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++] as number;
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v >>> 0;
    }
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'bad varint in __consumer_offsets record');
  }
  private raw(len: number): Buffer {
    this.need(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
  str(flexible: boolean): string | null {
    const len = flexible ? this.uvarint() - 1 : this.i16();
    if (len < 0) return null;
    return this.raw(len).toString('utf8');
  }
  strNN(flexible: boolean): string {
    const s = this.str(flexible);
    if (s === null) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'null string in non-nullable field');
    return s;
  }
  bytes(flexible: boolean): Buffer {
    const len = flexible ? this.uvarint() - 1 : this.i32();
    if (len < 0) return Buffer.alloc(0);
    return Buffer.from(this.raw(len));
  }
  arrayLen(flexible: boolean): number {
    const n = flexible ? this.uvarint() - 1 : this.i32();
    return Math.max(n, 0);
  }
  skipTags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.raw(size);
    }
  }
}

export function encodeOffsetCommitKey(k: OffsetCommitKey): Buffer {
  return new Out().i16(OFFSET_COMMIT_KEY_VERSION).str(k.group).str(k.topic).i32(k.partition).done();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new Out().i16(GROUP_METADATA_KEY_VERSION).str(group).done();
}

export function decodeKey(key: Buffer): DecodedKey | null {
  const r = new In(key);
  const version = r.i16();
  if (version === 0 || version === 1) {
    return { kind: 'offset', group: r.strNN(false), topic: r.strNN(false), partition: r.i32() };
  }
  if (version === 2) return { kind: 'group', group: r.strNN(false) };
  return null; // other record kinds (e.g. share/consumer-group records of newer brokers) are ignored
}

export function encodeOffsetCommitValue(v: OffsetCommitValue): Buffer {
  if (v.expireTimestamp >= 0n) {
    return new Out().i16(1).i64(v.offset).str(v.metadata).i64(v.commitTimestamp).i64(v.expireTimestamp).done();
  }
  return new Out().i16(3).i64(v.offset).i32(v.leaderEpoch).str(v.metadata).i64(v.commitTimestamp).done();
}

export function decodeOffsetCommitValue(value: Buffer): OffsetCommitValue {
  const r = new In(value);
  const version = r.i16();
  if (version < 0 || version > 4) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unknown offset commit value version ${version}`);
  const flex = version >= 4;
  const offset = r.i64();
  const leaderEpoch = version >= 3 ? r.i32() : -1;
  const metadata = r.strNN(flex);
  const commitTimestamp = r.i64();
  const expireTimestamp = version === 1 ? r.i64() : -1n;
  if (flex) r.skipTags();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  const o = new Out().i16(3).str(v.protocolType).i32(v.generation).str(v.protocol).str(v.leader).i64(v.currentStateTimestamp).i32(v.members.length);
  for (const m of v.members) {
    o.str(m.memberId).str(m.groupInstanceId).str(m.clientId).str(m.clientHost).i32(m.rebalanceTimeout).i32(m.sessionTimeout).bytes(m.subscription).bytes(m.assignment);
  }
  return o.done();
}

export function decodeGroupMetadataValue(value: Buffer): GroupMetadataValue {
  const r = new In(value);
  const version = r.i16();
  if (version < 0 || version > 4) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unknown group metadata value version ${version}`);
  const flex = version >= 4;
  const protocolType = r.strNN(flex);
  const generation = r.i32();
  const protocol = r.str(flex);
  const leader = r.str(flex);
  const currentStateTimestamp = version >= 2 ? r.i64() : -1n;
  const n = r.arrayLen(flex);
  const members: GroupMemberRecord[] = [];
  for (let i = 0; i < n; i++) {
    const memberId = r.strNN(flex);
    const groupInstanceId = version >= 3 ? r.str(flex) : null;
    const clientId = r.strNN(flex);
    const clientHost = r.strNN(flex);
    const rebalanceTimeout = version >= 1 ? r.i32() : -1;
    const sessionTimeout = r.i32();
    const subscription = r.bytes(flex);
    const assignment = r.bytes(flex);
    if (flex) r.skipTags();
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeout: rebalanceTimeout < 0 ? sessionTimeout : rebalanceTimeout, sessionTimeout, subscription, assignment });
  }
  if (flex) r.skipTags();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}
