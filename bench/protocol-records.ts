/**
 * Records benchmark (run: npx tsx bench/protocol-records.ts, or compiled with node).
 * - CRC-32C throughput (target >= 2 GB/s: native SIMD).
 * - Per codec on 1 MiB of JSON-ish event text: ratio, compress and decompress throughput
 *   (MB/s of uncompressed bytes; decompress goes through the bounded registry path).
 * - Record decode: readRecords on a 1 MiB batch (1,000 records).
 * Prints a markdown table. 1 MB = 10^6 bytes, 1 GB = 10^9 bytes.
 */
import { crc32c } from '../protocol/records/crc32c';
import { compress, decompress, getCodec } from '../protocol/records/compression';
import { CompressionType, RecordBatchView } from '../protocol/records/record-batch';
import { buildRecordBatch, readRecords } from '../protocol/records/record';

const MIB = 1024 * 1024;

/** Deterministic JSON-ish events, like typical Kafka payloads (moderately compressible). */
export function jsonishText(bytes: number): Buffer {
  let x = 42;
  const next = (n: number): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
  const words = ['click', 'view', 'purchase', 'login', 'logout', 'search', 'add_to_cart', 'share'];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line =
      JSON.stringify({
        id: `${next(1e9).toString(36)}-${i}`,
        ts: 1_700_000_000_000 + i * 37,
        user: `user-${next(5000)}`,
        event: words[next(words.length)],
        price: next(100000) / 100,
        tags: [words[next(8)], words[next(8)]],
        session: next(2 ** 31).toString(16),
      }) + '\n';
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** Runs fn repeatedly for about budgetMs after a warm-up; returns mean seconds per call. */
function timePerOp(fn: () => void, budgetMs = 700): number {
  for (let i = 0; i < 3; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(budgetMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    fn();
    n++;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / 1e9 / n;
}

const fmt = (bytesPerSec: number): string =>
  bytesPerSec >= 1e9 ? `${(bytesPerSec / 1e9).toFixed(2)} GB/s` : `${(bytesPerSec / 1e6).toFixed(0)} MB/s`;

export function runProtocolRecordsBench(): string {
  const rows: string[] = [];
  const crcBuf = jsonishText(MIB);
  const crcBig = Buffer.alloc(64 * MIB, 0xa5);
  const crc1 = crcBuf.length / timePerOp(() => crc32c(crcBuf));
  const crc64 = crcBig.length / timePerOp(() => crc32c(crcBig), 1000);
  rows.push('| Operation | Input | Result | Target |', '|---|---|---|---|');
  rows.push(`| CRC-32C | 1 MiB | ${fmt(crc1)} | >= 2 GB/s |`);
  rows.push(`| CRC-32C | 64 MiB | ${fmt(crc64)} | >= 2 GB/s |`);

  const plain = jsonishText(MIB);
  const codecRows: string[] = ['', '| Codec | Ratio (1 MiB JSON-ish) | Compress | Decompress |', '|---|---|---|---|'];
  for (const type of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    const c = compress(type, plain);
    const comp = plain.length / timePerOp(() => compress(type, plain));
    const decomp = plain.length / timePerOp(() => decompress(type, c, 4 * MIB));
    codecRows.push(`| ${getCodec(type).name} | ${(plain.length / c.length).toFixed(2)} | ${fmt(comp)} | ${fmt(decomp)} |`);
  }

  const value = jsonishText(1000);
  const records = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value, timestamp: 1_700_000_000_000 + i }));
  const batch = buildRecordBatch({ records });
  const view = new RecordBatchView(batch);
  const tValid = timePerOp(() => view.isValidCrc());
  const tRead = timePerOp(() => readRecords(view));
  const tBuild = timePerOp(() => buildRecordBatch({ records }));
  rows.push(`| RecordBatchView.isValidCrc | ${(batch.length / MIB).toFixed(2)} MiB batch | ${(tValid * 1e6).toFixed(0)} µs | |`);
  rows.push(`| readRecords (uncompressed) | 1,000 records, ${(batch.length / MIB).toFixed(2)} MiB | ${(tRead * 1e6).toFixed(0)} µs | |`);
  rows.push(`| buildRecordBatch (uncompressed) | 1,000 records | ${(tBuild * 1e6).toFixed(0)} µs | |`);
  return [...rows, ...codecRows].join('\n');
}

if (require.main === module) {
  console.log(`Records benchmark (node ${process.version}, ${process.arch})\n`);
  console.log(runProtocolRecordsBench());
}
