/**
 * Producer state snapshot files, `<20-digit offset>.snapshot` beside the segments, in Kafka's
 * format (ProducerStateManager, snapshot version 1), so a Kafka broker can read Gregor's and
 * the other way round. The offset in the name is the log offset the state covers up to
 * (exclusive).
 *
 * Layout, big-endian:
 *   version int16 (1) | crc uint32 (CRC-32C of everything after it) | entry count int32 |
 *   entries: producerId int64, epoch int16, lastSequence int32, lastOffset int64,
 *            offsetDelta int32, timestamp int64, coordinatorEpoch int32,
 *            currentTxnFirstOffset int64 (-1 = none)
 * Only each producer's last batch is kept, as in Kafka.
 */
import * as fs from 'fs';
import * as path from 'path';
import { crc32c } from '../../protocol/records/crc32c';
import { offsetFromFileName, offsetPrefix } from '../log-file-names';
import { ProducerStateEntry } from './producer-state-entry';

export const SNAPSHOT_SUFFIX = '.snapshot';
const VERSION = 1;
const HEADER = 2 + 4 + 4;
const ENTRY = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

export class CorruptSnapshotError extends Error {}

export function snapshotFileName(dir: string, offset: bigint): string {
  return path.join(dir, offsetPrefix(offset) + SNAPSHOT_SUFFIX);
}

export function encodeSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  const buf = Buffer.alloc(HEADER + ENTRY * list.length);
  buf.writeInt16BE(VERSION, 0);
  buf.writeInt32BE(list.length, 6);
  let at = HEADER;
  for (const e of list) {
    buf.writeBigInt64BE(e.producerId, at);
    buf.writeInt16BE(e.producerEpoch, at + 8);
    buf.writeInt32BE(e.lastSeq, at + 10);
    buf.writeBigInt64BE(e.lastDataOffset, at + 14);
    buf.writeInt32BE(e.lastOffsetDelta, at + 22);
    buf.writeBigInt64BE(e.lastTimestamp, at + 26);
    buf.writeInt32BE(e.coordinatorEpoch, at + 34);
    buf.writeBigInt64BE(e.currentTxnFirstOffset ?? -1n, at + 38);
    at += ENTRY;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
  return buf;
}

/** Throws CorruptSnapshotError for a wrong version, size or CRC. */
export function decodeSnapshot(buf: Buffer): ProducerStateEntry[] {
  if (buf.length < HEADER) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is shorter than its header`);
  const version = buf.readInt16BE(0);
  if (version !== VERSION) throw new CorruptSnapshotError(`unknown snapshot version ${version}`);
  const crc = buf.readUInt32BE(2);
  const computed = crc32c(buf.subarray(6));
  if (crc !== computed) throw new CorruptSnapshotError(`snapshot CRC ${crc} does not match its contents (${computed})`);
  const count = buf.readInt32BE(6);
  if (count < 0 || buf.length !== HEADER + count * ENTRY) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes cannot hold ${count} entries`);
  const out: ProducerStateEntry[] = [];
  for (let i = 0, at = HEADER; i < count; i++, at += ENTRY) {
    const txn = buf.readBigInt64BE(at + 38);
    const e = new ProducerStateEntry(buf.readBigInt64BE(at), buf.readInt16BE(at + 8), buf.readInt32BE(at + 34), buf.readBigInt64BE(at + 26), txn >= 0n ? txn : null);
    const lastSeq = buf.readInt32BE(at + 10);
    const lastOffset = buf.readBigInt64BE(at + 14);
    if (lastOffset >= 0n) e.batches.push({ lastSeq, lastOffset, offsetDelta: buf.readInt32BE(at + 22), timestamp: e.lastTimestamp });
    out.push(e);
  }
  return out;
}

/** Snapshot offsets found in `dir`, ascending. */
export function listSnapshotOffsets(dir: string): bigint[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const offsets: bigint[] = [];
  for (const n of names) {
    if (!n.endsWith(SNAPSHOT_SUFFIX)) continue;
    const o = offsetFromFileName(n.slice(0, -SNAPSHOT_SUFFIX.length) + '.log');
    if (o !== null) offsets.push(o);
  }
  return offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Writes the snapshot through a temp file and rename, fsynced: a crash leaves the old one or the
 * new one. The entries are encoded before this returns its promise (later appends don't leak in).
 */
export function writeSnapshotFile(dir: string, offset: bigint, entries: Iterable<ProducerStateEntry>): Promise<void> {
  return writeSnapshotBytes(dir, offset, encodeSnapshot(entries));
}

/** Writes encoded snapshot bytes through a temp file and rename, fsynced. */
export async function writeSnapshotBytes(dir: string, offset: bigint, bytes: Buffer): Promise<void> {
  const file = snapshotFileName(dir, offset);
  const tmp = `${file}.tmp`;
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
}

export function readSnapshotFile(dir: string, offset: bigint): ProducerStateEntry[] {
  return decodeSnapshot(fs.readFileSync(snapshotFileName(dir, offset)));
}

export function deleteSnapshotFile(dir: string, offset: bigint): void {
  fs.rmSync(snapshotFileName(dir, offset), { force: true });
}
