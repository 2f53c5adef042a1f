/**
 * The coordinator's __consumer_offsets records: hand-assembled golden bytes of the layout Kafka
 * writes, and round trips through the generated internal-topic codecs at every version the
 * coordinator writes, plus the flexible v4 values it must read.
 */
import { Reader } from '../../../protocol/primitives/reader';
import { Writer } from '../../../protocol/primitives/writer';
import * as OCK from '../../../protocol/generated/internal/offset-commit-key';
import * as OCV from '../../../protocol/generated/internal/offset-commit-value';
import * as GMK from '../../../protocol/generated/internal/group-metadata-key';
import * as GMV from '../../../protocol/generated/internal/group-metadata-value';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from '../../../coordinator/group/group-records';

/** int16 version prefix + generated body. */
function gen<T>(version: number, size: (m: T, v: number) => number, write: (w: Writer, m: T, v: number) => void, m: T): Buffer {
  const w = new Writer(2 + size(m, version));
  w.buf.writeInt16BE(version, 0);
  w.pos = 2;
  write(w, m, version);
  return w.finishConcat();
}

function read<T>(buf: Buffer, fn: (r: Reader, v: number) => T): { version: number; body: T } {
  const version = buf.readInt16BE(0);
  return { version, body: fn(new Reader(buf, 2), version) };
}

const member = { memberId: 'm-1', groupInstanceId: 'inst', clientId: 'c', clientHost: '/10.0.0.1', rebalanceTimeout: 300000, sessionTimeout: 45000, subscription: Buffer.from([0, 1, 2]), assignment: Buffer.from([9, 8]) };
const group = { protocolType: 'consumer', generation: 7, protocol: 'cooperative-sticky', leader: 'm-1', currentStateTimestamp: 1700000000123n, members: [member] };

describe('Coordinator > Group > record formats vs generated codecs', () => {
  test('golden bytes: offset commit key v1 and value v3', () => {
    expect(encodeOffsetCommitKey({ group: 'g', topic: 't', partition: 2 }).toString('hex')).toBe('0001' + '0001' + '67' + '0001' + '74' + '00000002');
    const value = encodeOffsetCommitValue({ offset: 5n, leaderEpoch: 3, metadata: 'm', commitTimestamp: 7n, expireTimestamp: -1n });
    expect(value.toString('hex')).toBe('0003' + '0000000000000005' + '00000003' + '0001' + '6d' + '0000000000000007');
    expect(encodeGroupMetadataKey('g').toString('hex')).toBe('0002' + '0001' + '67');
  });

  test('offset commit key v1', () => {
    const k = { group: 'grp', topic: 'orders', partition: 12 };
    expect(encodeOffsetCommitKey(k)).toEqual(gen(1, OCK.sizeOffsetCommitKey, OCK.writeOffsetCommitKey, k));
    expect(read(encodeOffsetCommitKey(k), OCK.readOffsetCommitKey)).toMatchObject({ version: 1, body: k });
  });

  test('group metadata key v2', () => {
    expect(encodeGroupMetadataKey('grp')).toEqual(gen(2, GMK.sizeGroupMetadataKey, GMK.writeGroupMetadataKey, { group: 'grp' }));
    expect(decodeKey(gen(2, GMK.sizeGroupMetadataKey, GMK.writeGroupMetadataKey, { group: 'g2' }))).toEqual({ kind: 'group', group: 'g2' });
  });

  test('offset commit value v3 and v1 match; v4 (flexible) from the generated codec decodes', () => {
    const v3 = { offset: 123456789012n, leaderEpoch: 5, metadata: 'md', commitTimestamp: 1700000000000n, expireTimestamp: -1n };
    expect(encodeOffsetCommitValue(v3)).toEqual(gen(3, OCV.sizeOffsetCommitValue, OCV.writeOffsetCommitValue, v3));
    const v1 = { offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: 10n, expireTimestamp: 99n };
    expect(encodeOffsetCommitValue(v1)).toEqual(gen(1, OCV.sizeOffsetCommitValue, OCV.writeOffsetCommitValue, v1));
    expect(read(encodeOffsetCommitValue(v3), OCV.readOffsetCommitValue).body).toMatchObject(v3);
    for (const version of [0, 2, 4]) {
      const want = { ...v3, leaderEpoch: version >= 3 ? 5 : -1 };
      expect(decodeOffsetCommitValue(gen(version, OCV.sizeOffsetCommitValue, OCV.writeOffsetCommitValue, want))).toEqual(want);
    }
  });

  test('group metadata value v3 matches; v0-v4 from the generated codec decode', () => {
    expect(encodeGroupMetadataValue(group)).toEqual(gen(3, GMV.sizeGroupMetadataValue, GMV.writeGroupMetadataValue, group));
    expect(read(encodeGroupMetadataValue(group), GMV.readGroupMetadataValue).body).toMatchObject({ ...group, members: [expect.objectContaining(member)] });
    expect(decodeGroupMetadataValue(gen(4, GMV.sizeGroupMetadataValue, GMV.writeGroupMetadataValue, group))).toEqual(group);
    const v0 = { ...group, currentStateTimestamp: -1n, members: [{ ...member, groupInstanceId: null, rebalanceTimeout: -1 }] };
    // v0 has no rebalance timeout: the session timeout stands in for it.
    expect(decodeGroupMetadataValue(gen(0, GMV.sizeGroupMetadataValue, GMV.writeGroupMetadataValue, v0))).toEqual({ ...v0, members: [{ ...v0.members[0], rebalanceTimeout: member.sessionTimeout }] });
  });
});
