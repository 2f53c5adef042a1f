/**
 * Encoder for v2 records (see record.ts for the layout): a size pass, then one allocation.
 */
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint-io';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** Normalised input for the record encoder. */
export interface EncodableRecord {
  offsetDelta: number;
  timestampDelta: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Encoded size of a record including its leading length varint. */
export function sizeOfRecord(r: EncodableRecord): number {
  const body = sizeOfRecordBody(r);
  return sizeOfVarint(body) + body;
}

function sizeOfNullable(b: Buffer | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function sizeOfRecordBody(r: EncodableRecord): number {
  let size = 1 + sizeOfVarlong(r.timestampDelta) + sizeOfVarint(r.offsetDelta);
  size += sizeOfNullable(r.key) + sizeOfNullable(r.value) + sizeOfVarint(r.headers.length);
  for (const h of r.headers) {
    const klen = Buffer.byteLength(h.key, 'utf8');
    size += sizeOfVarint(klen) + klen + sizeOfNullable(h.value);
  }
  return size;
}

function writeNullable(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, b.length);
  return pos + b.copy(buf, pos);
}

/** Writes one record at `pos`; returns the position after it. `buf` must have sizeOfRecord(r) bytes free. */
export function writeRecord(buf: Buffer, pos: number, r: EncodableRecord): number {
  pos = writeVarint(buf, pos, sizeOfRecordBody(r));
  buf[pos++] = 0; // attributes
  pos = writeVarlong(buf, pos, r.timestampDelta);
  pos = writeVarint(buf, pos, r.offsetDelta);
  pos = writeNullable(buf, pos, r.key);
  pos = writeNullable(buf, pos, r.value);
  pos = writeVarint(buf, pos, r.headers.length);
  for (const h of r.headers) {
    const klen = Buffer.byteLength(h.key, 'utf8');
    pos = writeVarint(buf, pos, klen);
    pos += buf.write(h.key, pos, klen, 'utf8');
    pos = writeNullable(buf, pos, h.value);
  }
  return pos;
}

/** Encodes records back to back (an uncompressed records section). */
export function encodeRecords(records: readonly EncodableRecord[]): Buffer {
  let size = 0;
  for (const r of records) size += sizeOfRecord(r);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const r of records) pos = writeRecord(buf, pos, r);
  return buf;
}

