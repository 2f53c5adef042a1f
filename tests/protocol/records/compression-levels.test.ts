/** Protocol > records > compression levels (KIP-390): each level round-trips, and levels matter. */
import { compress, decompress } from '../../../protocol/records/compression';
import { CompressionType } from '../../../protocol/records/record-batch';

// compressible but not trivial: 300 KiB (several 64 KiB lz4 blocks) of varied text
const data = Buffer.from(Array.from({ length: 6000 }, (_, i) => `record ${i} value ${(i * 7919) % 1000} `.repeat(1 + (i % 3))).join('|'));

describe('Protocol > records > compression levels', () => {
  test.each([
    [CompressionType.Gzip, [-1, 1, 5, 9]],
    [CompressionType.Lz4, [1, 9, 12, 17]],
    [CompressionType.Zstd, [-131072, -5, 1, 3, 19, 22]],
    [CompressionType.Snappy, [0]],
  ] as const)('codec %i round-trips at every level', (type, levels) => {
    for (const level of levels) expect(decompress(type, compress(type, data, level)).equals(data)).toBe(true);
  });

  test('higher levels compress smaller (gzip, lz4 high compression, zstd)', () => {
    expect(compress(CompressionType.Gzip, data, 1).length).toBeGreaterThan(compress(CompressionType.Gzip, data, 9).length);
    // lz4's default 9 is the fast compressor; any other level is LZ4 HC
    expect(compress(CompressionType.Lz4, data, 9).length).toBeGreaterThan(compress(CompressionType.Lz4, data, 17).length);
    expect(compress(CompressionType.Lz4, data, 4).length).toBeLessThan(compress(CompressionType.Lz4, data).length);
    expect(compress(CompressionType.Zstd, data, -5).length).toBeGreaterThan(compress(CompressionType.Zstd, data, 19).length);
  });

  test('the default level is Kafka\'s default', () => {
    expect(compress(CompressionType.Zstd, data).equals(compress(CompressionType.Zstd, data, 3))).toBe(true);
    expect(compress(CompressionType.Lz4, data).equals(compress(CompressionType.Lz4, data, 9))).toBe(true);
    expect(compress(CompressionType.Gzip, data).equals(compress(CompressionType.Gzip, data, -1))).toBe(true);
  });
});
