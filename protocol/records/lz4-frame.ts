/**
 * LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), as Kafka uses it
 * for compression type 3. Block (de)compression is the native code of the `lz4` package; the frame
 * layer is here so that output size is bounded before each block is decoded.
 *
 * Decoding accepts: independent or linked blocks, optional content size / block checksums /
 * content checksum / dictionary id (checksums are skipped, not verified: the batch CRC-32C
 * already covers these bytes), skippable frames, several concatenated frames, and the header
 * checksum computed either correctly or the old Kafka way (over magic + descriptor, magic-0 era).
 */
import { DecompressionLimitError, corrupt } from './compression-errors';

interface Lz4Bindings {
  compressBound(n: number): number;
  compress(src: Buffer, dst: Buffer): number;
  /**
   * LZ4_compress_HC into at most `dstSize` bytes of dst; 0 when it does not fit. (The package's
   * `compressHC` ignores its level argument; this one honours it.)
   */
  compressHCLimited(src: Buffer, dst: Buffer, dstSize: number, level: number): number;
  /** Decoded bytes, or a negative number on corrupt input / output too small. */
  uncompress(src: Buffer, dst: Buffer): number;
}
interface Lz4Module {
  utils: { bindings: Lz4Bindings; descriptorChecksum(d: Buffer): number };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4 = require('lz4') as Lz4Module;
const native = lz4.utils.bindings;

export const LZ4_FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Block max sizes by BD bits 6-4 (values 4..7). */
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };
/** Largest possible LZ4 expansion: 255 output bytes per input byte, plus slack. */
const MAX_RATIO = 255;
/** Block size used when compressing (the Java client's default, 64 KiB). */
const WRITE_BLOCK_SIZE = 64 << 10;
const WRITE_BD = 4 << 4;
/** FLG: version 01, independent blocks, no checksums, no content size. */
const WRITE_FLG = 0x60;

/** Output with amortised doubling; `len` is the number of valid bytes. */
class Output {
  buf: Buffer;
  len = 0;
  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(initial);
  }
  reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.len + extra, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/**
 * Decodes one LZ4 block from src into out.buf at out.len, allowing matches to reach back into
 * earlier output (needed for linked blocks). Returns false on corrupt input or when more than
 * `room` bytes would be produced.
 */
function decodeLinkedBlock(src: Buffer, out: Output, room: number): boolean {
  const dst = out.buf;
  let s = 0;
  let d = out.len;
  const dEnd = out.len + room;
  const sEnd = src.length;
  while (s < sEnd) {
    const token = src[s++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= sEnd) return false;
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (s + lit > sEnd || d + lit > dEnd) return false;
    src.copy(dst, d, s, s + lit);
    s += lit;
    d += lit;
    if (s === sEnd) break; // the last sequence carries only literals
    if (s + 2 > sEnd) return false;
    const off = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (off === 0 || off > d) return false;
    let mlen = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= sEnd) return false;
        b = src[s++]!;
        mlen += b;
      } while (b === 255);
    }
    if (d + mlen > dEnd) return false;
    let from = d - off;
    if (off >= mlen) {
      dst.copy(dst, d, from, from + mlen);
      d += mlen;
    } else {
      for (let i = 0; i < mlen; i++) dst[d++] = dst[from++]!;
    }
  }
  out.len = d;
  return true;
}

/** Decompresses one or more LZ4 frames; throws ProtocolDecodeError / DecompressionLimitError. */
export function lz4Decompress(data: Buffer, maxBytes: number): Buffer {
  const out = new Output(Math.min(maxBytes, Math.max(64 << 10, data.length * 4)));
  let pos = 0;
  let frames = 0;
  while (pos < data.length) {
    if (data.length - pos < 4) throw corrupt('lz4: truncated frame magic');
    const magic = data.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (data.length - pos < 8) throw corrupt('lz4: truncated skippable frame');
      const size = data.readUInt32LE(pos + 4);
      if (size > data.length - pos - 8) throw corrupt('lz4: truncated skippable frame');
      pos += 8 + size;
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw corrupt('lz4: bad frame magic');
    pos = decodeFrame(data, pos, out, maxBytes);
    frames++;
  }
  if (frames === 0) throw corrupt('lz4: no frame');
  return out.buf.subarray(0, out.len);
}

/** Decodes the frame starting at `start` (its magic already checked); returns the position after it. */
function decodeFrame(data: Buffer, start: number, out: Output, maxBytes: number): number {
  let pos = start + 4;
  if (data.length - pos < 3) throw corrupt('lz4: truncated frame descriptor');
  const flg = data[pos]!;
  const bd = data[pos + 1]!;
  if (flg >>> 6 !== 1) throw corrupt('lz4: unsupported frame version');
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('lz4: reserved descriptor bits set');
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const dictId = (flg & 0x01) !== 0;
  const blockMax = BLOCK_MAX_SIZES[(bd >>> 4) & 7];
  if (blockMax === undefined) throw corrupt('lz4: bad block max size');
  const descLen = 2 + (contentSize ? 8 : 0) + (dictId ? 4 : 0);
  if (data.length - pos < descLen + 1) throw corrupt('lz4: truncated frame descriptor');
  if (dictId) throw corrupt('lz4: dictionaries are not supported');
  const hc = data[pos + descLen]!;
  const correct = lz4.utils.descriptorChecksum(data.subarray(pos, pos + descLen));
  if (hc !== correct && hc !== lz4.utils.descriptorChecksum(data.subarray(start, pos + descLen))) {
    throw corrupt('lz4: bad frame header checksum');
  }
  if (contentSize) {
    const declared = data.readBigUInt64LE(pos + 2);
    if (declared > BigInt(maxBytes - out.len)) throw new DecompressionLimitError(maxBytes);
  }
  pos += descLen + 1;
  for (;;) {
    if (data.length - pos < 4) throw corrupt('lz4: truncated block size');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break; // EndMark
    const uncompressed = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax || size > data.length - pos) throw corrupt('lz4: bad block size');
    const block = data.subarray(pos, pos + size);
    pos += size + (blockChecksum ? 4 : 0);
    const room = maxBytes - out.len;
    if (uncompressed) {
      if (size > room) throw new DecompressionLimitError(maxBytes);
      out.reserve(size);
      block.copy(out.buf, out.len);
      out.len += size;
      continue;
    }
    const bound = Math.min(blockMax, size * MAX_RATIO + 16);
    const cap = Math.min(bound, room);
    out.reserve(cap);
    let ok: boolean;
    if (independent) {
      const n = native.uncompress(block, out.buf.subarray(out.len, out.len + cap));
      ok = n >= 0;
      if (ok) out.len += n;
    } else {
      ok = decodeLinkedBlock(block, out, cap);
    }
    if (!ok) throw cap < bound ? new DecompressionLimitError(maxBytes) : corrupt('lz4: corrupt block');
  }
  if (contentChecksum) {
    if (data.length - pos < 4) throw corrupt('lz4: truncated content checksum');
    pos += 4;
  }
  if (pos > data.length) throw corrupt('lz4: truncated block checksum');
  return pos;
}

/**
 * Compresses into one LZ4 frame: 64 KiB independent blocks, no checksums (like the Java client).
 * `brokenHeaderChecksum` computes the header checksum over magic + descriptor, as Kafka did for
 * magic-0 messages (and as magic-0 readers, e.g. librdkafka with MsgVersion 0, expect).
 */
/** Kafka's default lz4 level; it selects the fast block compressor, any other level LZ4 HC. */
export const LZ4_DEFAULT_LEVEL = 9;

/**
 * One LZ4 frame of 64 KiB independent blocks. `level` 1-17 (KIP-390): the default 9 uses the
 * fast compressor, others the high-compression one (Kafka's Lz4BlockOutputStream does the same).
 */
export function lz4Compress(data: Buffer, brokenHeaderChecksum = false, level = LZ4_DEFAULT_LEVEL): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / WRITE_BLOCK_SIZE));
  const out = Buffer.allocUnsafe(7 + blocks * (4 + native.compressBound(WRITE_BLOCK_SIZE)) + 4);
  out.writeUInt32LE(LZ4_FRAME_MAGIC, 0);
  out[4] = WRITE_FLG;
  out[5] = WRITE_BD;
  out[6] = lz4.utils.descriptorChecksum(out.subarray(brokenHeaderChecksum ? 0 : 4, 6));
  let o = 7;
  for (let pos = 0; pos < data.length; pos += WRITE_BLOCK_SIZE) {
    const src = data.subarray(pos, Math.min(data.length, pos + WRITE_BLOCK_SIZE));
    const dst = out.subarray(o + 4, o + 4 + native.compressBound(src.length));
    const n = level === LZ4_DEFAULT_LEVEL ? native.compress(src, dst) : native.compressHCLimited(src, dst, dst.length, level);
    if (n > 0 && n < src.length) {
      out.writeUInt32LE(n, o);
      o += 4 + n;
    } else {
      out.writeUInt32LE((src.length | 0x80000000) >>> 0, o);
      src.copy(out, o + 4);
      o += 4 + src.length;
    }
  }
  out.writeUInt32LE(0, o);
  o += 4;
  return out.subarray(0, o);
}
