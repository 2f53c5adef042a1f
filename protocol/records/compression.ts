/**
 * Codec registry for record-batch compression (attribute bits 0-2).
 *
 * API: synchronous. All codecs run native code on the calling thread (zlib, snappy, lz4 blocks,
 * zstd); a 1 MiB batch takes about a millisecond or less. `compressAsync` / `decompressAsync` exist
 * for callers that want a Promise (gzip then runs on the libuv thread pool; the others resolve the
 * synchronous result).
 *
 * Every decompress takes `maxBytes`, an upper bound on the decompressed size, checked before or
 * while output is produced (never after): exceeding it throws DecompressionLimitError
 * (MESSAGE_TOO_LARGE). Corrupt input throws ProtocolDecodeError (CORRUPT_MESSAGE). An unknown codec
 * id throws KafkaError(UNSUPPORTED_COMPRESSION_TYPE).
 *
 * Levels (KIP-390's compression.gzip/lz4/zstd.level): `compress` takes an optional level, honoured
 * by every codec that has one: gzip -1 (zlib's default) or 1-9; lz4 1-17, where the default 9
 * uses the fast block compressor and any other level the high-compression one (as Kafka's
 * Lz4BlockOutputStream picks); zstd -131072..22 (default 3). snappy and none have no level and
 * ignore it.
 */
import * as zlib from 'zlib';
import { promisify } from 'util';
import * as zstd from 'zstd-napi/binding';
import { ErrorCode, KafkaError } from '../errors';
import { CompressionType } from './record-batch';
import { DecompressionLimitError, corrupt } from './compression-errors';
import { snappyCompress, snappyDecompress } from './snappy-xerial';
import { LZ4_DEFAULT_LEVEL, lz4Compress, lz4Decompress } from './lz4-frame';

export { DecompressionLimitError } from './compression-errors';
export { LZ4_DEFAULT_LEVEL } from './lz4-frame';

/** Kafka's default levels (GzipCompression, ZstdCompression): zlib's own default, and zstd 3. */
export const GZIP_DEFAULT_LEVEL = -1;
export const ZSTD_DEFAULT_LEVEL = 3;

/** Default bound on the decompressed size of one batch's records: 256 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

export interface Codec {
  readonly type: CompressionType;
  readonly name: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /** @param level the codec's level (see above); omitted = the codec's default. */
  compress(data: Buffer, level?: number): Buffer;
  /** @param maxBytes upper bound on the output size (bytes). */
  decompress(data: Buffer, maxBytes: number): Buffer;
}

const noneCodec: Codec = {
  type: CompressionType.None,
  name: 'none',
  compress: (data) => data,
  decompress(data, maxBytes) {
    if (data.length > maxBytes) throw new DecompressionLimitError(maxBytes);
    return data;
  },
};

const gunzipAsync = promisify(zlib.gunzip);

function isBufferTooLarge(e: unknown): boolean {
  return (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError;
}

const gzipCodec: Codec = {
  type: CompressionType.Gzip,
  name: 'gzip',
  compress: (data, level = GZIP_DEFAULT_LEVEL) => zlib.gzipSync(data, { level }),
  decompress(data, maxBytes) {
    try {
      return zlib.gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (e) {
      if (isBufferTooLarge(e)) throw new DecompressionLimitError(maxBytes);
      throw corrupt(`gzip: ${(e as Error).message}`);
    }
  },
};

const snappyCodec: Codec = {
  type: CompressionType.Snappy,
  name: 'snappy',
  compress: snappyCompress,
  decompress: snappyDecompress,
};

const lz4Codec: Codec = {
  type: CompressionType.Lz4,
  name: 'lz4',
  compress: (data, level = LZ4_DEFAULT_LEVEL) => lz4Compress(data, false, level),
  decompress: lz4Decompress,
};

const ZSTD_CHUNK = zstd.dStreamOutSize();
let zstdCCtx: zstd.CCtx | null = null;
let zstdDCtx: zstd.DCtx | null = null;

/** Sum of the declared content sizes of all frames, or null if any frame omits it. */
function zstdContentSize(data: Buffer): number | null {
  let total = 0;
  let frame = data;
  while (frame.length > 0) {
    const size = zstd.getFrameContentSize(frame);
    if (size === null) return null;
    total += size;
    frame = frame.subarray(zstd.findFrameCompressedSize(frame));
  }
  return total;
}

function zstdDecompress(data: Buffer, maxBytes: number): Buffer {
  zstdDCtx ??= new zstd.DCtx();
  const dctx = zstdDCtx;
  try {
    const known = zstdContentSize(data);
    if (known !== null) {
      if (known > maxBytes) throw new DecompressionLimitError(maxBytes);
      const out = Buffer.allocUnsafe(known);
      const n = dctx.decompress(out, data);
      if (n !== known) throw corrupt('zstd: size mismatch');
      return out;
    }
    // Frames without a content size (zstd-jni streams, librdkafka): stream in bounded chunks.
    dctx.reset(zstd.ResetDirective.sessionOnly);
    const chunks: Buffer[] = [];
    let total = 0;
    let input = data;
    let lastRet = 0;
    while (input.length > 0 || lastRet !== 0) {
      const room = maxBytes - total;
      const chunk = Buffer.allocUnsafe(Math.min(ZSTD_CHUNK, room + 1));
      const [ret, produced, consumed] = dctx.decompressStream(chunk, input);
      lastRet = ret;
      if (produced > room) throw new DecompressionLimitError(maxBytes);
      if (produced > 0) chunks.push(chunk.subarray(0, produced));
      total += produced;
      input = input.subarray(consumed);
      // With room in the output, zstd always makes progress unless the input is cut short.
      if (produced === 0 && consumed === 0) throw corrupt('zstd: truncated frame');
    }
    return Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof KafkaError) {
      if (!(e instanceof DecompressionLimitError)) dctx.reset(zstd.ResetDirective.sessionOnly);
      throw e;
    }
    dctx.reset(zstd.ResetDirective.sessionOnly);
    throw corrupt(`zstd: ${(e as Error).message}`);
  }
}

const zstdCodec: Codec = {
  type: CompressionType.Zstd,
  name: 'zstd',
  compress(data, level = ZSTD_DEFAULT_LEVEL) {
    zstdCCtx ??= new zstd.CCtx();
    const out = Buffer.allocUnsafe(zstd.compressBound(data.length));
    const n = zstdCCtx.compress(out, data, level);
    return out.subarray(0, n);
  },
  decompress: zstdDecompress,
};

const CODECS: ReadonlyMap<number, Codec> = new Map<number, Codec>([
  [CompressionType.None, noneCodec],
  [CompressionType.Gzip, gzipCodec],
  [CompressionType.Snappy, snappyCodec],
  [CompressionType.Lz4, lz4Codec],
  [CompressionType.Zstd, zstdCodec],
]);

/** The codec for an attribute codec id; throws KafkaError(UNSUPPORTED_COMPRESSION_TYPE) for 5-7. */
export function getCodec(type: number): Codec {
  const codec = CODECS.get(type);
  if (codec === undefined) throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression codec ${type}`);
  return codec;
}

/** Kafka's `compression.type` names (plus 'none'); undefined for anything else. */
export function compressionTypeByName(name: string): CompressionType | undefined {
  for (const c of CODECS.values()) if (c.name === name) return c.type;
  return undefined;
}

/** @param level the codec's level; omitted = its default (see the file comment). */
export function compress(type: CompressionType, data: Buffer, level?: number): Buffer {
  return getCodec(type).compress(data, level);
}

export function decompress(type: CompressionType, data: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  return getCodec(type).decompress(data, maxBytes);
}

export async function compressAsync(type: CompressionType, data: Buffer): Promise<Buffer> {
  if (type === CompressionType.Gzip) return promisify(zlib.gzip)(data);
  return compress(type, data);
}

export async function decompressAsync(
  type: CompressionType,
  data: Buffer,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Promise<Buffer> {
  if (type !== CompressionType.Gzip) return decompress(type, data, maxBytes);
  try {
    return await gunzipAsync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (e) {
    if (isBufferTooLarge(e)) throw new DecompressionLimitError(maxBytes);
    throw corrupt(`gzip: ${(e as Error).message}`);
  }
}
