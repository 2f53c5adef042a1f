/**
 * Tagged fields of flexible versions: a section of
 *   count: unsigned varint, then per field { tag: unsigned varint, size: unsigned varint, data }.
 * Tags are written in ascending order. Unknown tags are kept as raw bytes so that they survive
 * a decode/encode round trip; arrays of them are kept sorted by tag (as read from the wire).
 */
import { Reader } from './reader';
import { sizeOfUnsignedVarint } from './varint';
import type { Writer } from './writer';

export interface TaggedField {
  tag: number;
  /** The field's raw encoding (a subarray of the frame when read). */
  data: Buffer;
}

/** Reads a whole tagged-field section, keeping every field raw. */
export function readTaggedFields(r: Reader): TaggedField[] {
  const n = r.readUnsignedVarint();
  const out: TaggedField[] = [];
  for (let i = 0; i < n; i++) {
    const tag = r.readUnsignedVarint();
    const size = r.readUnsignedVarint();
    out.push({ tag, data: r.readRawBytes(size) });
  }
  return out;
}

/** Bytes of the given raw fields, excluding the count prefix. */
export function sizeOfRawTags(fields: readonly TaggedField[] | undefined): number {
  if (fields === undefined) return 0;
  let size = 0;
  for (const f of fields) size += sizeOfUnsignedVarint(f.tag) + sizeOfUnsignedVarint(f.data.length) + f.data.length;
  return size;
}

/** Bytes of a whole section made only of the given raw fields. */
export function sizeOfTaggedFields(fields: readonly TaggedField[] | undefined): number {
  return sizeOfUnsignedVarint(fields?.length ?? 0) + sizeOfRawTags(fields);
}

/** Writes a whole section made only of the given raw fields. */
export function writeTaggedFields(w: Writer, fields: readonly TaggedField[] | undefined): void {
  w.writeUnsignedVarint(fields?.length ?? 0);
  writeRawTagsBefore(w, fields, 0, Infinity);
}

/**
 * Writes raw fields from index `from` whose tag is below `tag`; returns the next index.
 * Generated code calls it before each known tag so that the section stays in tag order.
 */
export function writeRawTagsBefore(
  w: Writer,
  fields: readonly TaggedField[] | undefined,
  from: number,
  tag: number,
): number {
  if (fields === undefined) return from;
  let i = from;
  for (; i < fields.length; i++) {
    const f = fields[i] as TaggedField;
    if (f.tag >= tag) break;
    w.writeUnsignedVarint(f.tag);
    w.writeUnsignedVarint(f.data.length);
    w.writeRaw(f.data);
  }
  return i;
}
