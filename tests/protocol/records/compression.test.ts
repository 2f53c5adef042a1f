import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { ErrorCode, KafkaError, ProtocolDecodeError } from '../../../protocol/errors';
import {
  DecompressionLimitError,
  compress,
  compressAsync,
  compressionTypeByName,
  decompress,
  decompressAsync,
  getCodec,
} from '../../../protocol/records/compression';
import { CompressionType } from '../../../protocol/records/record-batch';
import { compress as zstdCompress } from 'zstd-napi';
import { XERIAL_MAGIC, isXerialFramed } from '../../../protocol/records/snappy-xerial';

const TEXT = Buffer.from('Hello, Gregor! Hello, Gregor! Hello, Gregor!');
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** Produced by independent tools (gzip -n, lz4 1.9.4 CLI, zstd 1.5 CLI) from TEXT. */
const VECTORS: Array<[string, CompressionType, Buffer]> = [
  ['gzip -n', CompressionType.Gzip, b64('H4sIAAAAAAAAA/NIzcnJ11FwL0pNzy9SVPDAxwUAZICybSwAAAA=')],
  ['lz4 (default frame: content checksum)', CompressionType.Lz4, b64('BCJNGGRApxoAAAD/AEhlbGxvLCBHcmVnb3IhIA8ABVBlZ29yIQAAAAC77Xpa')],
  [
    'lz4 -BX --content-size (block checksums, content size)',
    CompressionType.Lz4,
    b64('BCJNGHxALAAAAAAAAAC5GgAAAP8ASGVsbG8sIEdyZWdvciEgDwAFUGVnb3IhbAwurwAAAAC77Xpa'),
  ],
  ['zstd (content size)', CompressionType.Zstd, b64('KLUv/SQsrQAAeEhlbGxvLCBHcmVnb3IhIAEAcs86ksYX1Q==')],
  ['zstd --no-content-size', CompressionType.Zstd, b64('KLUv/QQArQAAeEhlbGxvLCBHcmVnb3IhIAEAcs86ksYX1Q==')],
];

/** A raw snappy block built by hand from the format description: "abc" literal + copy(offset 3, len 9). */
const RAW_SNAPPY_ABC = Buffer.from([0x0c, 0x08, 0x61, 0x62, 0x63, 0x15, 0x03]);

function xerial(...blocks: Buffer[]): Buffer {
  const header = Buffer.alloc(16);
  XERIAL_MAGIC.copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (const b of blocks) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

/** The data behind fixtures/lz4-linked-blocks.lz4 (`lz4 -BD -B4`): a 1 KiB LCG chunk repeated 150 times. */
function linkedBlocksPlain(): Buffer {
  let x = 12345;
  const chunk = Buffer.alloc(1024);
  for (let i = 0; i < 1024; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    chunk[i] = 97 + ((x >>> 16) % 26);
  }
  return Buffer.concat(Array.from({ length: 150 }, () => chunk));
}

const ALL = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

describe('Protocol > Records > compression', () => {
  test.each(VECTORS)('known vector: %s', (_name, type, compressed) => {
    expect(decompress(type, compressed).equals(TEXT)).toBe(true);
  });

  test('snappy: hand-built raw block, and the same block in xerial framing (one and two chunks)', () => {
    expect(decompress(CompressionType.Snappy, RAW_SNAPPY_ABC).toString()).toBe('abcabcabcabc');
    expect(decompress(CompressionType.Snappy, xerial(RAW_SNAPPY_ABC)).toString()).toBe('abcabcabcabc');
    expect(decompress(CompressionType.Snappy, xerial(RAW_SNAPPY_ABC, RAW_SNAPPY_ABC)).toString()).toBe('abcabcabcabc'.repeat(2));
  });

  test('snappy compresses with xerial framing in 32 KiB chunks', () => {
    const data = Buffer.alloc(100_000, 'abcdefgh');
    const c = compress(CompressionType.Snappy, data);
    expect(isXerialFramed(c)).toBe(true);
    expect(c.readInt32BE(8)).toBe(1);
    expect(c.readInt32BE(12)).toBe(1);
    let pos = 16;
    let chunks = 0;
    while (pos < c.length) {
      pos += 4 + c.readInt32BE(pos);
      chunks++;
    }
    expect(pos).toBe(c.length);
    expect(chunks).toBe(Math.ceil(100_000 / 32768));
    expect(decompress(CompressionType.Snappy, c).equals(data)).toBe(true);
  });

  test('lz4: linked blocks across 64 KiB block boundaries (lz4 -BD -B4)', () => {
    const compressed = b64(fs.readFileSync(path.join(__dirname, 'fixtures', 'lz4-linked-blocks.lz4.b64'), 'utf8'));
    expect(compressed[4]! & 0x20).toBe(0); // really a linked-block frame
    expect(decompress(CompressionType.Lz4, compressed).equals(linkedBlocksPlain())).toBe(true);
  });

  test('lz4 output is a standard frame with independent 64 KiB blocks', () => {
    const c = compress(CompressionType.Lz4, Buffer.alloc(200_000, 'xyz'));
    expect(c.readUInt32LE(0)).toBe(0x184d2204);
    expect(c[4]).toBe(0x60);
    expect(c[5]).toBe(0x40);
    expect(c.readUInt32LE(c.length - 4)).toBe(0); // EndMark
  });

  test('round trips for every codec on random data', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL), fc.uint8Array({ maxLength: 70_000 }), fc.boolean(), (type, bytes, repetitive) => {
        const data = repetitive ? Buffer.alloc(bytes.length * 3, Buffer.from(bytes.length ? bytes : [1])) : Buffer.from(bytes);
        const c = compress(type, data);
        expect(decompress(type, c).equals(data)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  test('async API agrees with the sync API', async () => {
    const data = Buffer.alloc(50_000, 'async data ');
    for (const type of ALL) {
      const c = await compressAsync(type, data);
      expect((await decompressAsync(type, c)).equals(data)).toBe(true);
      expect(decompress(type, c).equals(data)).toBe(true);
    }
  });

  test('decompression bombs are refused at the limit for every codec', async () => {
    const bomb = Buffer.alloc(4 * 1024 * 1024, 0);
    for (const type of ALL) {
      const c = compress(type, bomb);
      expect(() => decompress(type, c, 1024 * 1024)).toThrow(DecompressionLimitError);
      expect(decompress(type, c, bomb.length).length).toBe(bomb.length);
      await expect(decompressAsync(type, c, 1024)).rejects.toThrow(DecompressionLimitError);
    }
    const err = (() => {
      try {
        decompress(CompressionType.Zstd, compress(CompressionType.Zstd, bomb), 10);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });

  test('zstd frames without a content size (streaming producers) are bounded while streaming', () => {
    const plain = Buffer.alloc(2 * 1024 * 1024, 'z');
    const frame = zstdCompress(plain, { contentSizeFlag: false });
    expect(frame[4]! >> 6).toBe(0); // Frame_Content_Size_flag = 0 ...
    expect(frame[4]! & 0x20).toBe(0); // ... and not single-segment: no content size in the header
    expect(decompress(CompressionType.Zstd, frame).equals(plain)).toBe(true);
    expect(() => decompress(CompressionType.Zstd, frame, 1000)).toThrow(DecompressionLimitError);
    expect(() => decompress(CompressionType.Zstd, frame, plain.length - 1)).toThrow(DecompressionLimitError);
    expect(decompress(CompressionType.Zstd, frame, plain.length).length).toBe(plain.length);
    // two frames back to back
    const two = Buffer.concat([frame, zstdCompress(TEXT, { contentSizeFlag: false })]);
    expect(decompress(CompressionType.Zstd, two).equals(Buffer.concat([plain, TEXT]))).toBe(true);
  });

  test('corrupt input gives CORRUPT_MESSAGE, never another exception', () => {
    const bad = [Buffer.alloc(0), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), Buffer.alloc(40, 0xff)];
    for (const type of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      for (const b of bad) {
        let caught: unknown = null;
        try {
          decompress(type, b);
        } catch (e) {
          caught = e;
        }
        if (caught !== null) {
          expect(caught).toBeInstanceOf(ProtocolDecodeError);
          expect((caught as ProtocolDecodeError).code).toBe(ErrorCode.CORRUPT_MESSAGE);
        }
      }
    }
    // truncations of valid output
    for (const type of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      const c = compress(type, Buffer.alloc(10_000, 'truncate me '));
      for (const cut of [1, 5, 10, Math.floor(c.length / 2), c.length - 1]) {
        expect(() => decompress(type, c.subarray(0, cut))).toThrow(ProtocolDecodeError);
      }
    }
  });

  test('unknown codec ids are UNSUPPORTED_COMPRESSION_TYPE', () => {
    for (const id of [5, 6, 7]) {
      expect(() => getCodec(id)).toThrow(KafkaError);
      try {
        getCodec(id);
      } catch (e) {
        expect((e as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
      }
    }
  });

  test('codec names', () => {
    expect(compressionTypeByName('zstd')).toBe(CompressionType.Zstd);
    expect(compressionTypeByName('producer')).toBeUndefined();
    expect(ALL.map((t) => getCodec(t).name)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
  });
});
